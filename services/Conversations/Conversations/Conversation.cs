using System.Collections.Immutable;

namespace Handoff.Conversations.Conversations;

// Stream events: private to this service. The public contracts are mapped from them in IntegrationEvents/.
// Webhook-born events carry the platform's timestamp as At, so a repeated webhook can be recognised.

public record HandoffWasRequested(
    string ConversationId,
    int Session,
    string BotId,
    string? Email,
    ConversationUser User,
    IReadOnlyList<HistoryTurn> History,
    long FirstSequence,
    DateTimeOffset At);

public record UserMessagePosted(string ConversationId, int Session, long Sequence, string Text, DateTimeOffset At);

public record AgentWasAssigned(string ConversationId, int Session, string AgentId, DateTimeOffset At);

public record AgentReplyPosted(string ConversationId, int Session, long Sequence, string AgentId, string Text, DateTimeOffset At);

/// <summary>A message from Handoff itself. <paramref name="Timer"/> names the timer firing it answers, if any, so that firing posts once.</summary>
public record SystemMessagePosted(string ConversationId, int Session, long Sequence, string Text, DateTimeOffset At, TimerFiring? Timer = null);

/// <summary>One firing of one of the Timeouts service's timers: its kind and the time it was due.</summary>
public record TimerFiring(TimerKind Kind, DateTimeOffset DueAt);

public enum TimerKind { AgentWait, IdleWarning }

public record ConversationWasClosed(string ConversationId, int Session, ClosingReason Reason, DateTimeOffset At);

/// <summary>The platform closed a conversation that had no open session here: kept until the establish it belongs to arrives.</summary>
public record PlatformCloseArrivedEarly(string ConversationId, ClosingReason Reason, DateTimeOffset At);

/// <summary>
/// Outbound's report on one message (or, with a null <paramref name="Sequence"/>, the close) sent to AltaBots.
/// <paramref name="DeliveryId"/> is the id of the stream event being delivered; only a higher <paramref name="Revision"/>
/// than any recorded for it is ever recorded, so reports that arrive twice or out of order change nothing.
/// </summary>
public record DeliveryStatusRecorded(
    string ConversationId,
    Guid DeliveryId,
    int Session,
    long? Sequence,
    int Revision,
    DeliveryProgress State,
    int Attempts,
    DateTimeOffset At,
    DateTimeOffset? NextAttemptAt,
    int? StatusCode,
    string? Failure);

public enum DeliveryProgress { Pending, Retrying, Delivered, Failed }

public record ConversationUser(string? UserId, string? AnonymousId, string? Email, string? Phone);

public record HistoryTurn(HistoryAuthor Author, string Text);

public enum HistoryAuthor { User, Bot }

public enum ClosingReason { UserClosed, PlatformTimeout, Agent, Idle }

/// <summary>What identifies one webhook call, so a repeat of it decides nothing.</summary>
public readonly record struct WebhookKey(string Kind, DateTimeOffset At, string Content);

public record PendingClose(ClosingReason Reason, DateTimeOffset At);

/// <summary>
/// The write-side state of one conversation, folded from its stream on every command. Its fold is named
/// Evolve, not Apply, so Marten does not mistake it for a conventional projection method.
/// </summary>
public sealed record Conversation(
    string Id,
    bool Exists,
    int Session,
    bool IsOpen,
    string? AssignedAgent,
    long LastSequence,
    ImmutableHashSet<WebhookKey> SeenWebhooks,
    PendingClose? PendingClose)
{
    public static Conversation Initial(string id) => new(id, false, 0, false, null, 0, [], null);

    /// <summary>Whether an agent has answered in the current session: the agent-wait notices stop then.</summary>
    public bool AgentHasReplied { get; init; }

    /// <summary>The transcript sequence of the latest user message or agent reply, 0 when none since the last handoff.</summary>
    public long LastActivitySequence { get; init; }

    /// <summary>The timer firings already told to the user in the current session.</summary>
    public ImmutableHashSet<TimerFiring> PostedTimers { get; init; } = [];

    /// <summary>The highest revision of each delivery's status recorded so far, by delivery id. Not activity: no timer reads it.</summary>
    public ImmutableDictionary<Guid, int> DeliveryRevisions { get; init; } = ImmutableDictionary<Guid, int>.Empty;

    /// <summary>The session a user message belongs to: the open one, or the one its establish will open.</summary>
    public int CurrentOrNextSession => IsOpen ? Session : Session + 1;

    public Conversation Evolve(object @event) => (@event switch
    {
        HandoffWasRequested e => this with
        {
            Session = e.Session,
            IsOpen = true,
            AssignedAgent = null,
            AgentHasReplied = false,
            PostedTimers = [],
            LastActivitySequence = 0,
            LastSequence = e.FirstSequence + e.History.Count - 1,
            SeenWebhooks = SeenWebhooks.Add(Keys.Establish(e.At, e.BotId)),
            PendingClose = null,
        },
        UserMessagePosted e => this with
        {
            LastSequence = e.Sequence,
            LastActivitySequence = e.Sequence,
            SeenWebhooks = SeenWebhooks.Add(Keys.Chat(e.At, e.Text)),
        },
        AgentWasAssigned e => this with { AssignedAgent = e.AgentId },
        AgentReplyPosted e => this with { LastSequence = e.Sequence, LastActivitySequence = e.Sequence, AgentHasReplied = true },
        SystemMessagePosted e => this with
        {
            LastSequence = e.Sequence,
            PostedTimers = e.Timer is { } timer ? PostedTimers.Add(timer) : PostedTimers,
        },
        ConversationWasClosed e => this with
        {
            IsOpen = false,
            SeenWebhooks = Keys.IsFromPlatform(e.Reason) ? SeenWebhooks.Add(Keys.Close(e.At, e.Reason)) : SeenWebhooks,
        },
        PlatformCloseArrivedEarly e => this with
        {
            PendingClose = new PendingClose(e.Reason, e.At),
            SeenWebhooks = SeenWebhooks.Add(Keys.Close(e.At, e.Reason)),
        },
        DeliveryStatusRecorded e => this with { DeliveryRevisions = DeliveryRevisions.SetItem(e.DeliveryId, e.Revision) },
        _ => this,
    }) with { Exists = true };

    internal static class Keys
    {
        public static WebhookKey Establish(DateTimeOffset at, string botId) => new("establish", at, botId);
        public static WebhookKey Chat(DateTimeOffset at, string text) => new("chat", at, text);
        public static WebhookKey Close(DateTimeOffset at, ClosingReason reason) => new("close", at, reason.ToString());
        public static bool IsFromPlatform(ClosingReason reason) => reason is ClosingReason.UserClosed or ClosingReason.PlatformTimeout;
    }
}
