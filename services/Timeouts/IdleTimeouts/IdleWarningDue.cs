using MassTransit;

namespace Handoff.Timeouts.IdleTimeouts;

/// <summary>The scheduled idle-warning wake-up of a conversation's saga; private to this service.</summary>
public record IdleWarningDue(Guid CorrelationId, int Session, DateTimeOffset DueAt) : CorrelatedBy<Guid>;
