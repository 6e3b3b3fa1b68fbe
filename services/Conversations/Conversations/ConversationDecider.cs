using Handoff.Contracts;

namespace Handoff.Conversations.Conversations;

// Commands that come from the agent API rather than the queue.
public record ReplyAsAgent(string ConversationId, string AgentId, string Text);

public record AssignAgent(string ConversationId, string AgentId);

public record CloseByAgent(string ConversationId, string AgentId);

/// <summary>Why a command was refused; the API turns it into 404 or 409.</summary>
public record Rejection(RejectionKind Kind, string Code, string Message)
{
    public static readonly Rejection NotFound = new(RejectionKind.NotFound, "conversation_not_found", "No such conversation.");
    public static readonly Rejection Closed = new(RejectionKind.Conflict, "conversation_closed", "The conversation is closed.");
    public static readonly Rejection NotOpen = new(RejectionKind.Conflict, "conversation_not_open", "The conversation has not been handed off yet.");
    public static readonly Rejection EmptyText = new(RejectionKind.Invalid, "empty_text", "The message text must not be empty.");
}

public enum RejectionKind { NotFound, Conflict, Invalid }

public sealed record Decision(IReadOnlyList<object> Events, Rejection? Rejection = null)
{
    public static readonly Decision Nothing = new([]);

    public static implicit operator Decision(object[] events) => new((IReadOnlyList<object>)events, null);

    public static implicit operator Decision(Rejection rejection) => new([], rejection);
}

/// <summary>Pure decisions: no I/O; time and configuration come in as arguments.</summary>
public static class ConversationDecider
{
    public static Decision Decide(EstablishConversation command, Conversation state, DateTimeOffset now, string greeting)
    {
        if (state.SeenWebhooks.Contains(Conversation.Keys.Establish(command.Timestamp, command.BotId)))
            return Decision.Nothing;
        // The platform already has a human side for this conversation; a second establish while
        // it is open would only duplicate the greeting.
        if (state.IsOpen)
            return Decision.Nothing;

        var session = state.Session + 1;
        var history = command.History
            .Select(t => new HistoryTurn(t.Kind == BotTurnKind.Question ? HistoryAuthor.User : HistoryAuthor.Bot, t.Text))
            .ToList();
        var user = command.User;
        var requested = new HandoffWasRequested(
            command.ConversationId, session, command.BotId, command.Email,
            new ConversationUser(user.UserId, user.AnonymousId, user.Email ?? command.Email, user.Phone),
            history, state.LastSequence + 1, command.Timestamp);

        // A platform close that overtook this establish (same platform clock, not older than it)
        // ends the new session at once; greeting a user who already left would be noise.
        if (state.PendingClose is { } pending && pending.At >= command.Timestamp)
            return new object[] { requested, new ConversationWasClosed(command.ConversationId, session, pending.Reason, pending.At) };

        var greetingSequence = state.LastSequence + history.Count + 1;
        return new object[] { requested, new SystemMessagePosted(command.ConversationId, session, greetingSequence, greeting, now) };
    }

    /// <summary>
    /// A message with no open session is kept, not dropped: it is recorded for the session its
    /// establish will open (it may have overtaken that establish), so agents see it in the transcript.
    /// </summary>
    public static Decision Decide(PostUserMessage command, Conversation state)
    {
        if (state.SeenWebhooks.Contains(Conversation.Keys.Chat(command.Timestamp, command.Text)))
            return Decision.Nothing;
        return new object[]
        {
            new UserMessagePosted(command.ConversationId, state.CurrentOrNextSession, state.LastSequence + 1, command.Text, command.Timestamp),
        };
    }

    /// <summary>
    /// A close with no open session is remembered: if the establish it overtook arrives later
    /// (with a timestamp not after the close), that session is closed on arrival.
    /// </summary>
    public static Decision Decide(RecordPlatformClose command, Conversation state)
    {
        var reason = command.Type == PlatformCloseType.Timeout ? ClosingReason.PlatformTimeout : ClosingReason.UserClosed;
        if (state.SeenWebhooks.Contains(Conversation.Keys.Close(command.Timestamp, reason)))
            return Decision.Nothing;
        if (!state.IsOpen)
            return new object[] { new PlatformCloseArrivedEarly(command.ConversationId, reason, command.Timestamp) };
        return new object[] { new ConversationWasClosed(command.ConversationId, state.Session, reason, command.Timestamp) };
    }

    /// <summary>From builds of Timeouts before V2, which did not say what activity they had seen: trusted as is.</summary>
    public static Decision Decide(CloseIdleConversation command, Conversation state, DateTimeOffset now) =>
        CloseIdle(command.ConversationId, command.Session, seenActivity: null, state, now);

    /// <summary>
    /// Timeouts resets its timer on activity; but a user message or agent reply recorded here whose event had not yet
    /// reached Timeouts when the timer fired makes the timer stale. That event re-arms the timer when it arrives.
    /// </summary>
    public static Decision Decide(CloseIdleConversationV2 command, Conversation state, DateTimeOffset now) =>
        CloseIdle(command.ConversationId, command.Session, command.LastActivitySequence, state, now);

    private static Decision CloseIdle(string conversationId, int session, long? seenActivity, Conversation state, DateTimeOffset now) =>
        state.IsOpen && state.Session == session && !(seenActivity is { } seen && state.LastActivitySequence > seen)
            ? new object[] { new ConversationWasClosed(conversationId, state.Session, ClosingReason.Idle, now) }
            : Decision.Nothing;

    /// <summary>
    /// A timer's notice to the user, posted once per firing and only into the session it was armed for. A notice is
    /// stale, and decides nothing, when the user has already been told a later one (timers that were overdue together,
    /// after an outage, reach here in any order), or when it is an agent-wait notice and an agent has answered since.
    /// </summary>
    public static Decision Decide(PostSystemMessage command, Conversation state, DateTimeOffset now)
    {
        var firing = new TimerFiring(command.Kind == SystemMessageKind.AgentWait ? TimerKind.AgentWait : TimerKind.IdleWarning, command.DueAt);
        if (!state.IsOpen || state.Session != command.Session || state.PostedTimers.Contains(firing) || string.IsNullOrWhiteSpace(command.Text))
            return Decision.Nothing;
        if (state.PostedTimers.Any(posted => posted.DueAt > firing.DueAt))
            return Decision.Nothing;
        if (firing.Kind == TimerKind.AgentWait && state.AgentHasReplied)
            return Decision.Nothing;
        return new object[] { new SystemMessagePosted(command.ConversationId, state.Session, state.LastSequence + 1, command.Text, now, firing) };
    }

    public static Decision Decide(ReplyAsAgent command, Conversation state, DateTimeOffset now)
    {
        if (CannotAct(state) is { } rejection) return rejection;
        if (string.IsNullOrWhiteSpace(command.Text)) return Rejection.EmptyText;

        var reply = new AgentReplyPosted(command.ConversationId, state.Session, state.LastSequence + 1, command.AgentId, command.Text, now);
        return state.AssignedAgent is null
            ? new object[] { new AgentWasAssigned(command.ConversationId, state.Session, command.AgentId, now), reply }
            : new object[] { reply };
    }

    public static Decision Decide(AssignAgent command, Conversation state, DateTimeOffset now)
    {
        if (CannotAct(state) is { } rejection) return rejection;
        if (string.IsNullOrWhiteSpace(command.AgentId)) return new Rejection(RejectionKind.Invalid, "empty_agent", "The agent id must not be empty.");
        return state.AssignedAgent == command.AgentId
            ? Decision.Nothing
            : new object[] { new AgentWasAssigned(command.ConversationId, state.Session, command.AgentId, now) };
    }

    public static Decision Decide(CloseByAgent command, Conversation state, DateTimeOffset now) =>
        CannotAct(state) is { } rejection
            ? rejection
            : new object[] { new ConversationWasClosed(command.ConversationId, state.Session, ClosingReason.Agent, now) };

    /// <summary>
    /// Outbound reports each change of a delivery with a growing revision, at least once and in any order: a report
    /// is news only when its revision is above every one recorded for that delivery. A report for a conversation
    /// this service never recorded decides nothing rather than open a stream.
    /// </summary>
    public static Decision Decide(DeliveryStatusChanged report, Conversation state)
    {
        if (!state.Exists)
            return Decision.Nothing;
        if (state.DeliveryRevisions.TryGetValue(report.DeliveryId, out var recorded) && recorded >= report.Revision)
            return Decision.Nothing;
        return new object[]
        {
            new DeliveryStatusRecorded(report.ConversationId, report.DeliveryId, report.Session, report.Sequence, report.Revision,
                ToProgress(report.State), report.Attempts, report.At, report.NextAttemptAt, report.StatusCode, report.Failure),
        };
    }

    private static DeliveryProgress ToProgress(DeliveryState state) => state switch
    {
        DeliveryState.Pending => DeliveryProgress.Pending,
        DeliveryState.Retrying => DeliveryProgress.Retrying,
        DeliveryState.Delivered => DeliveryProgress.Delivered,
        DeliveryState.Failed => DeliveryProgress.Failed,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "A delivery state this build does not know."),
    };

    private static Rejection? CannotAct(Conversation state) => state switch
    {
        { Exists: false } => Rejection.NotFound,
        { IsOpen: true } => null,
        { Session: 0 } => Rejection.NotOpen,
        _ => Rejection.Closed,
    };
}
