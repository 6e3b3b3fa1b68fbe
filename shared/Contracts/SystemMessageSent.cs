namespace Handoff.Contracts;

/// <summary>A message Handoff itself sends to the user (the greeting, timer notices); delivered like an agent reply.</summary>
public record SystemMessageSent(string ConversationId, int Session, long Sequence, string Text, DateTimeOffset At);
