using MassTransit;

namespace Handoff.Timeouts.IdleTimeouts;

/// <summary>The scheduled agent-wait wake-up of a conversation's saga; private to this service.</summary>
public record AgentWaitElapsed(Guid CorrelationId, int Session, DateTimeOffset DueAt) : CorrelatedBy<Guid>;
