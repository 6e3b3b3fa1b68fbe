using Handoff.Conversations.Conversations;
using Marten.Events.Aggregation;

namespace Handoff.Conversations.GetConversation;

/// <summary>Inline: the view is written in the same transaction as the events, so the API reads its own writes.</summary>
public partial class ConversationViewProjection : SingleStreamProjection<ConversationView, string>
{
    // Any event can open a stream (a chat or close may overtake its establish), so each gets a Create.
    public ConversationView Create(HandoffWasRequested e) => Applied(New(e.ConversationId, e.At), e);
    public ConversationView Create(UserMessagePosted e) => Applied(New(e.ConversationId, e.At), e);
    public ConversationView Create(PlatformCloseArrivedEarly e) => New(e.ConversationId, e.At);

    public void Apply(HandoffWasRequested e, ConversationView view) => Applied(view, e);

    public void Apply(UserMessagePosted e, ConversationView view) => Applied(view, e);

    public void Apply(AgentWasAssigned e, ConversationView view)
    {
        view.AssignedAgent = e.AgentId;
        view.Status = ConversationStatus.Active;
    }

    public void Apply(AgentReplyPosted e, ConversationView view) =>
        Add(view, new TranscriptEntry(e.Sequence, e.Session, TranscriptAuthor.Agent, e.Text, e.At, e.AgentId, MessageDelivery.Pending(e.At)));

    public void Apply(SystemMessagePosted e, ConversationView view) =>
        Add(view, new TranscriptEntry(e.Sequence, e.Session, TranscriptAuthor.System, e.Text, e.At, Delivery: MessageDelivery.Pending(e.At)));

    public void Apply(ConversationWasClosed e, ConversationView view)
    {
        view.Status = ConversationStatus.Closed;
        view.ClosedAt = e.At;
        view.CloseReason = e.Reason;
        // Outbound tells AltaBots only of the closes decided here; the platform's own closes need no delivery.
        view.CloseDelivery = e.Reason is ClosingReason.Agent or ClosingReason.Idle ? MessageDelivery.Pending(e.At) : null;
        Touch(view, e.At);
    }

    // Not activity: LastActivityAt, which orders the agents' list, is left alone.
    public void Apply(DeliveryStatusRecorded e, ConversationView view)
    {
        var delivery = new MessageDelivery(e.State, e.Attempts, e.State == DeliveryProgress.Delivered ? e.At : null, e.NextAttemptAt,
            e.StatusCode, e.Failure, e.At);
        if (e.Sequence is not { } sequence)
        {
            // A late report on an earlier session's close must not show on the current session's.
            if (e.Session == view.Session) view.CloseDelivery = delivery;
            return;
        }
        var index = view.Transcript.FindIndex(t => t.Sequence == sequence && t.Session == e.Session);
        if (index >= 0) view.Transcript[index] = view.Transcript[index] with { Delivery = delivery };
    }

    private static ConversationView New(string id, DateTimeOffset at) => new() { Id = id, CreatedAt = at, LastActivityAt = at };

    private static ConversationView Applied(ConversationView view, HandoffWasRequested e)
    {
        view.Status = ConversationStatus.Waiting;
        view.BotId = e.BotId;
        view.User = e.User;
        view.Session = e.Session;
        view.AssignedAgent = null;
        view.ClosedAt = null;
        view.CloseReason = null;
        view.CloseDelivery = null;
        var turns = e.History.Select((turn, i) => new TranscriptEntry(
            e.FirstSequence + i, e.Session, turn.Author == HistoryAuthor.User ? TranscriptAuthor.User : TranscriptAuthor.Bot, turn.Text, e.At));
        foreach (var turn in turns) Add(view, turn);
        Touch(view, e.At);
        return view;
    }

    private static ConversationView Applied(ConversationView view, UserMessagePosted e)
    {
        Add(view, new TranscriptEntry(e.Sequence, e.Session, TranscriptAuthor.User, e.Text, e.At));
        return view;
    }

    private static void Add(ConversationView view, TranscriptEntry entry)
    {
        view.Transcript.Add(entry);
        Touch(view, entry.At);
    }

    private static void Touch(ConversationView view, DateTimeOffset at)
    {
        if (at > view.LastActivityAt) view.LastActivityAt = at;
    }
}
