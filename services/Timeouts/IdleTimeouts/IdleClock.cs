namespace Handoff.Timeouts.IdleTimeouts;

/// <summary>What the idle timer knows of a conversation: its latest session, whether it is open, and its last activity.</summary>
public sealed record IdleClock(int Session, bool IsOpen, DateTimeOffset LastActivityAt)
{
    public static readonly IdleClock Unknown = new(0, false, DateTimeOffset.MinValue);

    public DateTimeOffset DueAt(TimeSpan idleTimeout) => LastActivityAt + idleTimeout;

    /// <summary>
    /// The clock after <paramref name="fact"/>, or null when the fact changes nothing (a repeat, or news of an older session).
    /// Events arrive at least once and, across types, in any order; so a session only moves forward, a closed
    /// session never reopens, and activity only ever moves the deadline later.
    /// </summary>
    public IdleClock? After(ConversationFact fact) => fact switch
    {
        _ when fact.Session < Session => null,
        ConversationFact.Closed when fact.Session > Session || IsOpen => new(fact.Session, false, LastActivityAt),
        ConversationFact.Activity when fact.Session > Session => new(fact.Session, true, fact.At),
        ConversationFact.Activity when IsOpen && fact.At > LastActivityAt => this with { LastActivityAt = fact.At },
        _ => null,
    };
}

/// <summary>The integration events reduced to what the idle timer needs.</summary>
public abstract record ConversationFact(int Session, DateTimeOffset At)
{
    /// <summary>A handoff began, the user wrote or an agent replied: the conversation is alive.</summary>
    public sealed record Activity(int Session, DateTimeOffset At) : ConversationFact(Session, At);

    public sealed record Closed(int Session, DateTimeOffset At) : ConversationFact(Session, At);
}
