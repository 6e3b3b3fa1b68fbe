namespace Handoff.Contracts;

/// <summary>A new handoff session began: the first, or the user asked for a human again after a close.</summary>
public record HandoffRequested(string ConversationId, int Session, string BotId, DateTimeOffset At);
