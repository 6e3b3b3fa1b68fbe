using Handoff.Conversations.Conversations;

namespace Handoff.Conversations.Metrics;

/// <summary>
/// What the support-floor metrics remember of one open handoff session, kept as a document by
/// <see cref="SupportFloorSubscription"/> from the moment it is established until it is closed (then deleted).
/// Times are the store's (<c>IEvent.Timestamp</c>), one clock for every event.
/// </summary>
public sealed record FloorTimes(
    string Id,
    string BotId,
    int Session,
    DateTimeOffset EstablishedAt,
    bool Assigned = false,
    bool AgentReplied = false,
    DateTimeOffset? WaitingSince = null);

public enum FloorInstrument { HandoffStarted, QueueWait, AgentResponse, Duration, Closed }

/// <summary>One measurement to record. Tags are the bot and the close reason only: never a conversation id or user data.</summary>
public sealed record FloorMeasurement(FloorInstrument Instrument, string BotId, double Seconds = 0, string? Reason = null);

/// <summary>The fold: how each stream event moves one session's <see cref="FloorTimes"/> and what it measures.</summary>
public static class SupportFloor
{
    /// <summary>The bot of a close whose establish the metrics never saw (it predates them).</summary>
    public const string UnknownBot = "unknown";

    /// <summary>The next state (null: nothing to keep) and the measurements this event makes.</summary>
    public static (FloorTimes? State, IReadOnlyList<FloorMeasurement> Measurements) Observe(
        FloorTimes? state, string conversationId, object data, DateTimeOffset at) => data switch
    {
        HandoffWasRequested e => (new FloorTimes(conversationId, e.BotId, e.Session, at), [new(FloorInstrument.HandoffStarted, e.BotId)]),

        AgentWasAssigned e when Current(state, e.Session) is { } s => (s with { Assigned = true }, []),

        // The first unanswered message starts the user's wait; later ones while it lasts do not restart it.
        UserMessagePosted e when Current(state, e.Session) is { WaitingSince: null } s => (s with { WaitingSince = at }, []),

        AgentReplyPosted e when Current(state, e.Session) is { } s => (
            s with { AgentReplied = true, WaitingSince = null },
            [
                .. s.AgentReplied ? Array.Empty<FloorMeasurement>() : [new(FloorInstrument.QueueWait, s.BotId, Seconds(s.EstablishedAt, at))],
                .. s.WaitingSince is { } since ? [new FloorMeasurement(FloorInstrument.AgentResponse, s.BotId, Seconds(since, at))] : Array.Empty<FloorMeasurement>(),
            ]),

        ConversationWasClosed e => (null, Current(state, e.Session) is { } s
            ? [new(FloorInstrument.Closed, s.BotId, Reason: Reason(e.Reason)), new(FloorInstrument.Duration, s.BotId, Seconds(s.EstablishedAt, at), Reason(e.Reason))]
            : [new(FloorInstrument.Closed, UnknownBot, Reason: Reason(e.Reason))]),

        _ => (state, []),
    };

    public static string Reason(ClosingReason reason) => reason switch
    {
        ClosingReason.UserClosed => "user_closed",
        ClosingReason.PlatformTimeout => "platform_timeout",
        ClosingReason.Agent => "agent",
        ClosingReason.Idle => "idle",
        _ => "other",
    };

    private static FloorTimes? Current(FloorTimes? state, int session) => state?.Session == session ? state : null;

    private static double Seconds(DateTimeOffset from, DateTimeOffset to) => Math.Max(0, (to - from).TotalSeconds);
}
