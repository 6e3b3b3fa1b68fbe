using System.Net;

namespace Handoff.Outbound.AltaBots;

public enum DeliveryOutcome { Delivered, Retry, Rejected }

/// <summary>
/// What one attempt came to. <paramref name="StatusCode"/> is null when no HTTP answer arrived; <paramref name="RetryAfter"/> is
/// the wait AltaBots asked for on a 429 or 503. <see cref="Description"/> names the answer without quoting its body.
/// </summary>
public sealed record DeliveryResult(DeliveryOutcome Outcome, int? StatusCode, int? PlatformCode = null, TimeSpan? RetryAfter = null, string? Error = null)
{
    public static DeliveryResult NoAnswer(string error) => new(DeliveryOutcome.Retry, null, Error: error);

    public string Description => StatusCode is { } status
        ? PlatformCode is { } code && code != 0 ? $"HTTP {status} (AltaBots code {code})" : $"HTTP {status}"
        : $"no answer ({Error ?? "unknown error"})";

    /// <summary>
    /// Any 2xx counts as delivered, whatever the body says. 408, 429 and 5xx may pass with time;
    /// every other answer would fail the same way again, so retrying it only delays the dead letter.
    /// </summary>
    public static DeliveryOutcome Classify(HttpStatusCode status) => (int)status switch
    {
        >= 200 and <= 299 => DeliveryOutcome.Delivered,
        408 or 429 or >= 500 => DeliveryOutcome.Retry,
        _ => DeliveryOutcome.Rejected,
    };
}
