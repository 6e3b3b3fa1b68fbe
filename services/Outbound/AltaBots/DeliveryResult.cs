using System.Net;

namespace Handoff.Outbound.AltaBots;

public enum DeliveryOutcome { Delivered, Retry, Rejected }

/// <summary>What one attempt came to. <paramref name="StatusCode"/> is null when no HTTP answer arrived.</summary>
public sealed record DeliveryResult(DeliveryOutcome Outcome, int? StatusCode, int? PlatformCode = null)
{
    public static DeliveryResult NoAnswer { get; } = new(DeliveryOutcome.Retry, null);

    /// <summary>
    /// Any 2xx counts as delivered, whatever the body says. 408, 429 and 5xx may pass with time;
    /// every other answer would fail the same way again, so retrying it only delays the error queue.
    /// </summary>
    public static DeliveryOutcome Classify(HttpStatusCode status) => (int)status switch
    {
        >= 200 and <= 299 => DeliveryOutcome.Delivered,
        408 or 429 or >= 500 => DeliveryOutcome.Retry,
        _ => DeliveryOutcome.Rejected,
    };
}
