using MassTransit;

namespace Handoff.Timeouts.IdleTimeouts;

/// <summary>The scheduled wake-up of a conversation's saga; private to this service.</summary>
public record IdleTimeoutElapsed(Guid CorrelationId, int Session, DateTimeOffset DueAt) : CorrelatedBy<Guid>;
