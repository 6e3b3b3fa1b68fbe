namespace Handoff.Contracts;

public record AgentAssigned(string ConversationId, int Session, string AgentId, DateTimeOffset At);
