using Handoff.Conversations.Conversations;

namespace Handoff.Conversations.GetConversation;

public enum ConversationStatus { Pending, Waiting, Active, Closed }

public enum TranscriptAuthor { User, Bot, Agent, System }

public record TranscriptEntry(long Sequence, int Session, TranscriptAuthor Author, string Text, DateTimeOffset At, string? AgentId = null);

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
    public List<TranscriptEntry> Transcript { get; set; } = [];
}
