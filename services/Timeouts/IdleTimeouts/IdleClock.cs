namespace Handoff.Timeouts.IdleTimeouts;

/// <summary>
/// What the timers know of a conversation: its latest session, whether it is open, its last activity (and that
/// activity's transcript sequence, 0 for the handoff itself), and whether an agent has answered in it.
/// </summary>
public sealed record IdleClock(int Session, bool IsOpen, DateTimeOffset LastActivityAt, bool AgentReplied = false, long LastActivitySequence = 0)
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
        ConversationFact.Closed when fact.Session > Session || IsOpen => new(fact.Session, false, LastActivityAt, AgentReplied),
        ConversationFact.Closed => null,
        _ when fact.Session > Session => new(fact.Session, true, fact.At, fact is ConversationFact.AgentReply, fact.Sequence),
        _ when !IsOpen => null,
        ConversationFact.AgentReply when fact.At > LastActivityAt =>
            this with { AgentReplied = true, LastActivityAt = fact.At, LastActivitySequence = fact.Sequence },
        ConversationFact.AgentReply when !AgentReplied => this with { AgentReplied = true },
        ConversationFact.Activity when fact.At > LastActivityAt => this with { LastActivityAt = fact.At, LastActivitySequence = fact.Sequence },
        _ => null,
    };

    /// <summary>Whether going from this clock to <paramref name="next"/> opens a session (the agent-wait timer starts then).</summary>
    public bool Opens(IdleClock next) => next.IsOpen && (next.Session != Session || !IsOpen);
}

/// <summary>The integration events reduced to what the timers need.</summary>
/// <remarks>Sequence is the transcript sequence of a user message or agent reply; 0 for the handoff and for a close.</remarks>
public abstract record ConversationFact(int Session, DateTimeOffset At, long Sequence)
{
    /// <summary>A handoff began (sequence 0) or the user wrote: the conversation is alive.</summary>
    public sealed record Activity(int Session, DateTimeOffset At, long Sequence = 0) : ConversationFact(Session, At, Sequence);

    /// <summary>An agent answered: the conversation is alive, and nobody needs to be told we are still looking.</summary>
    public sealed record AgentReply(int Session, DateTimeOffset At, long Sequence = 0) : ConversationFact(Session, At, Sequence);

    public sealed record Closed(int Session, DateTimeOffset At) : ConversationFact(Session, At, 0);
}
