namespace Handoff.Outbound.Deliveries;

// Messages carry the status only: MassTransit logs them and copies them into the error queue's headers.

/// <summary>AltaBots did not take the message now but may later: retried by the consumer definition.</summary>
public sealed class TransientDeliveryFailure(string conversationId, int? statusCode)
    : Exception($"AltaBots did not accept a delivery for {conversationId} ({(statusCode is { } s ? $"HTTP {s}" : "no answer")}); it will be retried");

/// <summary>AltaBots refused the message and would refuse it again: never retried, faulted to the error queue.</summary>
public sealed class PermanentDeliveryFailure(string conversationId, string reason)
    : Exception($"AltaBots delivery for {conversationId} failed for good: {reason}");
