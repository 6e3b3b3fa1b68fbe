namespace Handoff.Contracts;

public record UserMessageReceived(string ConversationId, int Session, long Sequence, string Text, DateTimeOffset At);
