using Handoff.Outbound.AltaBots;

namespace Handoff.Outbound.Deliveries;

/// <summary>What happens to a message after an attempt.</summary>
public abstract record NextStep
{
    public sealed record Delivered : NextStep;

    /// <summary>Try again after <paramref name="Wait"/>; the conversation's later messages wait behind it.</summary>
    public sealed record RetryAfter(TimeSpan Wait) : NextStep;

    /// <summary>Permanently failed: dead-lettered until an operator replays it; the conversation moves on.</summary>
    public sealed record GiveUp(string Reason) : NextStep;
}

/// <summary>Pure: the schedule, the jitter sample and the clock readings all come in as arguments.</summary>
public static class RetryPolicy
{
    /// <param name="attempts">Attempts made so far, this one included.</param>
    /// <param name="elapsed">Time since the message was queued or replayed, measured now.</param>
    /// <param name="jitter">A sample in [-1, 1]; scaled by <see cref="DeliveryOptions.Jitter"/>.</param>
    public static NextStep After(DeliveryResult result, int attempts, TimeSpan elapsed, DeliveryOptions options, double jitter)
    {
        switch (result.Outcome)
        {
            case DeliveryOutcome.Delivered:
                return new NextStep.Delivered();
            case DeliveryOutcome.Rejected:
                return new NextStep.GiveUp($"AltaBots refused it: {result.Description}");
        }

        var wait = Stretch(Scheduled(options.Waits, attempts), options.Jitter, jitter);
        // Retry-After is a floor: AltaBots said when it can take the message, so asking sooner only earns another refusal.
        if (result.RetryAfter is { } asked && asked > wait) wait = asked;
        if (elapsed + wait > options.Horizon)
            return new NextStep.GiveUp($"no success within {Format(options.Horizon)} ({attempts} attempts); last: {result.Description}");
        return new NextStep.RetryAfter(wait);
    }

    /// <summary>The wait after the given number of attempts: the schedule's entry, or its last one once it runs out.</summary>
    public static TimeSpan Scheduled(IReadOnlyList<TimeSpan> waits, int attempts) =>
        waits.Count == 0 ? TimeSpan.FromSeconds(1) : waits[Math.Clamp(attempts - 1, 0, waits.Count - 1)];

    private static TimeSpan Stretch(TimeSpan wait, double fraction, double sample) =>
        wait * (1 + fraction * Math.Clamp(sample, -1, 1));

    private static string Format(TimeSpan span) => span.TotalHours >= 1 && span.TotalHours % 1 == 0
        ? $"{span.TotalHours:0} h"
        : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} min" : $"{span.TotalSeconds:0.###} s";
}
