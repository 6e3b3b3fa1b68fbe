using System.ComponentModel.DataAnnotations;

namespace Handoff.Outbound.Deliveries;

/// <summary>How Outbound retries and paces its deliveries (<c>Outbound:*</c>).</summary>
public sealed class DeliveryOptions : IValidatableObject
{
    public const string Section = "Outbound";

    /// <summary>
    /// The waits before the second, third, … attempt, e.g. <c>1s 5s 30s 2m 10m 30m 1h</c> (units ms, s, m, h); the first
    /// attempt is immediate. Once the list runs out its last wait repeats until <see cref="Horizon"/>. The default is
    /// Svix's schedule, cut at an hour. A string rather than a list: configuration binding appends a list to its default.
    /// </summary>
    public string RetrySchedule { get; set; } = "1s 5s 30s 2m 10m 30m 1h";

    /// <summary><see cref="RetrySchedule"/> read; empty when it is malformed (validation reports that at start).</summary>
    public IReadOnlyList<TimeSpan> Waits => ParseWaits(RetrySchedule) ?? [];

    /// <summary>Each wait is stretched or shrunk at random by up to this fraction, so a backlog does not retry in lockstep.</summary>
    [Range(0.0, 0.5)]
    public double Jitter { get; set; } = 0.2;

    /// <summary>How long after it was queued (or replayed) a message may still be retried; after that it fails.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan Horizon { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Requests to AltaBots in flight at once, per Outbound instance.</summary>
    [Range(1, 1024)]
    public int MaxInFlight { get; set; } = 16;

    /// <summary>Failed attempts in a row (no answer, 408, 429, 5xx) that open the circuit: Outbound then pauses every conversation.</summary>
    [Range(1, 1000)]
    public int BreakerThreshold { get; set; } = 5;

    /// <summary>The first pause of an open circuit; it doubles while probes fail, up to <see cref="BreakerMaxPause"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan BreakerPause { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan BreakerMaxPause { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often an idle instance looks for work that another instance made due; its own work wakes it at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long delivered messages are kept, so a redelivered event within it is still recognised; failed ones stay until replayed.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ParseWaits(RetrySchedule) is not { Count: > 0 })
            yield return new ValidationResult(
                "Outbound:RetrySchedule must list at least one positive wait, such as \"1s 5s 30s 2m 10m 30m 1h\".", [nameof(RetrySchedule)]);
        if (BreakerMaxPause < BreakerPause)
            yield return new ValidationResult("Outbound:BreakerMaxPause must not be shorter than Outbound:BreakerPause.", [nameof(BreakerMaxPause)]);
    }

    public static IReadOnlyList<TimeSpan>? ParseWaits(string? schedule)
    {
        var waits = new List<TimeSpan>();
        foreach (var token in (schedule ?? "").Split([' ', ',', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            var unit = token.EndsWith("ms", StringComparison.Ordinal) ? "ms" : token[^1..];
            if (!double.TryParse(token[..^unit.Length], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
                || value <= 0 || value > 1e6)
                return null;
            waits.Add(unit switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                "h" => TimeSpan.FromHours(value),
                _ => TimeSpan.Zero,
            });
            if (waits[^1] <= TimeSpan.Zero) return null;
        }
        return waits;
    }
}
