namespace Handoff.Contracts;

/// <summary>An agent answered; Outbound delivers <paramref name="Text"/> to AltaBots in <paramref name="Sequence"/> order.</summary>
public record AgentReplied(string ConversationId, int Session, long Sequence, string AgentId, string Text, DateTimeOffset At);
