using Handoff.Outbound.AltaBots;
using Handoff.Outbound.Deliveries;

namespace Handoff.Outbound.Tests;

public sealed class RetryPolicyTests
{
    private static readonly DeliveryOptions Defaults = new();
    private static readonly DeliveryResult Unavailable = new(DeliveryOutcome.Retry, 503);

    private static TimeSpan WaitAfter(int attempts, DeliveryResult? result = null, double jitter = 0, TimeSpan? elapsed = null, DeliveryOptions? options = null) =>
        Assert.IsType<NextStep.RetryAfter>(RetryPolicy.After(result ?? Unavailable, attempts, elapsed ?? TimeSpan.Zero, options ?? Defaults, jitter)).Wait;

    [Fact]
    public void The_default_schedule_waits_1s_5s_30s_2min_10min_30min_then_1h_between_attempts()
    {
        var waits = Enumerable.Range(1, 9).Select(attempts => WaitAfter(attempts)).ToArray();

        Assert.Equal(
            new[] { 1, 5, 30, 120, 600, 1800, 3600, 3600, 3600 }.Select(s => TimeSpan.FromSeconds(s)),
            waits);
    }

    [Fact]
    public void Jitter_stretches_or_shrinks_a_wait_by_at_most_the_configured_fraction()
    {
        Assert.Equal(TimeSpan.FromSeconds(36), WaitAfter(3, jitter: 1));
        Assert.Equal(TimeSpan.FromSeconds(24), WaitAfter(3, jitter: -1));
        Assert.Equal(TimeSpan.FromSeconds(33), WaitAfter(3, jitter: 0.5));
        Assert.Equal(TimeSpan.FromSeconds(36), WaitAfter(3, jitter: 7)); // a sample out of range is clamped
    }

    [Fact]
    public void Retry_after_is_honoured_when_it_asks_for_more_than_the_schedule()
    {
        var throttled = new DeliveryResult(DeliveryOutcome.Retry, 429, RetryAfter: TimeSpan.FromSeconds(2));

        Assert.Equal(TimeSpan.FromSeconds(2), WaitAfter(1, throttled, jitter: -1));
        // A shorter Retry-After does not cut the schedule's wait.
        Assert.Equal(TimeSpan.FromSeconds(30), WaitAfter(3, throttled));
    }

    [Fact]
    public void A_2xx_is_delivered()
    {
        Assert.IsType<NextStep.Delivered>(RetryPolicy.After(new(DeliveryOutcome.Delivered, 200), 4, TimeSpan.FromHours(7), Defaults, 0));
    }

    [Fact]
    public void A_refusal_gives_up_at_once_and_says_what_AltaBots_answered()
    {
        var step = RetryPolicy.After(new(DeliveryOutcome.Rejected, 400, PlatformCode: 4001), 1, TimeSpan.Zero, Defaults, 0);

        Assert.Equal("AltaBots refused it: HTTP 400 (AltaBots code 4001)", Assert.IsType<NextStep.GiveUp>(step).Reason);
    }

    [Fact]
    public void It_gives_up_when_the_next_attempt_would_fall_beyond_the_horizon()
    {
        var justInside = TimeSpan.FromHours(6) - TimeSpan.FromHours(1);
        Assert.Equal(TimeSpan.FromHours(1), WaitAfter(8, elapsed: justInside));

        var step = RetryPolicy.After(Unavailable, 8, justInside + TimeSpan.FromSeconds(1), Defaults, 0);

        Assert.Equal("no success within 6 h (8 attempts); last: HTTP 503", Assert.IsType<NextStep.GiveUp>(step).Reason);
    }

    [Fact]
    public void A_retry_after_beyond_the_horizon_gives_up_instead_of_waiting()
    {
        var throttled = new DeliveryResult(DeliveryOutcome.Retry, 503, RetryAfter: TimeSpan.FromHours(7));

        Assert.IsType<NextStep.GiveUp>(RetryPolicy.After(throttled, 1, TimeSpan.Zero, Defaults, 0));
    }

    [Fact]
    public void No_answer_is_described_by_what_went_wrong()
    {
        var step = RetryPolicy.After(DeliveryResult.NoAnswer("timed out"), 3, TimeSpan.FromHours(6), Defaults, 0);

        Assert.EndsWith("last: no answer (timed out)", Assert.IsType<NextStep.GiveUp>(step).Reason);
    }

    [Fact]
    public void A_configured_schedule_is_read_with_units()
    {
        Assert.Equal([TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1.5), TimeSpan.FromMinutes(2), TimeSpan.FromHours(1)],
            DeliveryOptions.ParseWaits("250ms 1.5s, 2m;1h"));
        Assert.Null(DeliveryOptions.ParseWaits("5"));
        Assert.Null(DeliveryOptions.ParseWaits("5x"));
        Assert.Null(DeliveryOptions.ParseWaits("0s"));
        Assert.Null(DeliveryOptions.ParseWaits("-1s"));
        Assert.Empty(DeliveryOptions.ParseWaits("")!);
    }

    [Fact]
    public void A_short_configured_schedule_repeats_its_last_wait()
    {
        var options = new DeliveryOptions { RetrySchedule = "100ms 300ms" };

        Assert.Equal([100, 300, 300, 300], Enumerable.Range(1, 4).Select(a => WaitAfter(a, options: options).TotalMilliseconds));
    }
}
