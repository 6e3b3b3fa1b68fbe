using Handoff.Conversations.Conversations;

namespace Handoff.Conversations.GetConversation;

public enum ConversationStatus { Pending, Waiting, Active, Closed }

public enum TranscriptAuthor { User, Bot, Agent, System }

/// <summary>One turn. <paramref name="Delivery"/> is what became of an agent reply or system message sent to AltaBots; null for user and bot turns.</summary>
public record TranscriptEntry(
    long Sequence, int Session, TranscriptAuthor Author, string Text, DateTimeOffset At, string? AgentId = null, MessageDelivery? Delivery = null);

/// <summary>
/// Where one message to AltaBots stands. <see cref="DeliveryProgress.Retrying"/> has a later attempt due at
/// <paramref name="NextAttemptAt"/>; <see cref="DeliveryProgress.Failed"/> stays so until an operator replays it.
/// </summary>
public record MessageDelivery(
    DeliveryProgress State,
    int Attempts,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? NextAttemptAt,
    int? StatusCode,
    string? Failure,
    DateTimeOffset UpdatedAt)
{
    public static MessageDelivery Pending(DateTimeOffset at) => new(DeliveryProgress.Pending, 0, null, null, null, null, at);
}

/// <summary>
/// What an agent sees of a conversation. <see cref="ConversationStatus.Pending"/> means the user wrote
/// (or the platform closed) before any handoff was established.
/// </summary>
public sealed class ConversationView
{
    public string Id { get; set; } = "";
    public ConversationStatus Status { get; set; } = ConversationStatus.Pending;
    public string? BotId { get; set; }
    public ConversationUser? User { get; set; }
    public string? AssignedAgent { get; set; }
    public int Session { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset LastActivityAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public ClosingReason? CloseReason { get; set; }
    /// <summary>The delivery to AltaBots of this session's close; null unless Handoff closed it (an agent or the idle timer).</summary>
    public MessageDelivery? CloseDelivery { get; set; }
    public List<TranscriptEntry> Transcript { get; set; } = [];
}
