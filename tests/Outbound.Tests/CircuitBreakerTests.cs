using Handoff.Outbound.Deliveries;
using Microsoft.Extensions.Time.Testing;

namespace Handoff.Outbound.Tests;

public sealed class CircuitBreakerTests
{
    private readonly FakeTimeProvider _clock = new();
    private readonly CircuitBreaker _breaker;

    public CircuitBreakerTests() => _breaker = new CircuitBreaker(
        new DeliveryOptions { BreakerThreshold = 3, BreakerPause = TimeSpan.FromSeconds(5), BreakerMaxPause = TimeSpan.FromSeconds(15) }, _clock);

    private int Permits(int wanted, out bool probe) => _breaker.Permits(wanted, out _, out probe);

    private int Permits(int wanted = 10) => _breaker.Permits(wanted, out _, out _);

    private void Fail(int times)
    {
        for (var i = 0; i < times; i++) _breaker.Failed(wasProbe: false);
    }

    [Fact]
    public void Closed_it_permits_every_attempt_asked_for()
    {
        Fail(2);

        Assert.Equal(10, Permits(10, out var probe));
        Assert.False(probe);
        Assert.Equal(CircuitBreaker.State.Closed, _breaker.Current);
    }

    [Fact]
    public void It_opens_after_the_threshold_of_failures_in_a_row_and_says_how_long_to_wait()
    {
        Fail(3);

        Assert.Equal(0, _breaker.Permits(10, out var pause, out _));
        Assert.Equal(TimeSpan.FromSeconds(5), pause);
        Assert.Equal(CircuitBreaker.State.Open, _breaker.Current);
    }

    [Fact]
    public void A_success_between_failures_resets_the_count()
    {
        Fail(2);
        _breaker.Succeeded();
        Fail(2);

        Assert.Equal(10, Permits());
    }

    [Fact]
    public void After_the_pause_it_lets_exactly_one_probe_through()
    {
        Fail(3);
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(1, Permits(10, out var probe));
        Assert.True(probe);
        Assert.Equal(0, Permits());
        Assert.Equal(CircuitBreaker.State.HalfOpen, _breaker.Current);
    }

    [Fact]
    public void A_successful_probe_closes_the_circuit()
    {
        Fail(3);
        _clock.Advance(TimeSpan.FromSeconds(5));
        Permits(10, out _);

        _breaker.Succeeded();

        Assert.Equal(10, Permits());
    }

    [Fact]
    public void A_failed_probe_reopens_it_for_twice_as_long_up_to_the_maximum()
    {
        Fail(3);
        var pauses = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(1, Permits(10, out var probe));
            _breaker.Failed(probe);
            _breaker.Permits(10, out var pause, out _);
            pauses.Add(pause);
        }

        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15)], pauses);
    }

    [Fact]
    public void Failures_of_attempts_already_in_flight_do_not_extend_the_pause()
    {
        Fail(3);
        _clock.Advance(TimeSpan.FromSeconds(4));
        Fail(5);

        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, Permits());
    }

    [Fact]
    public void A_probe_that_found_nothing_to_attempt_is_handed_back()
    {
        Fail(3);
        _clock.Advance(TimeSpan.FromSeconds(5));
        Permits(10, out _);

        _breaker.ReturnProbe();

        Assert.Equal(1, Permits(10, out var probe));
        Assert.True(probe);
    }

    [Fact]
    public void Asking_for_nothing_spends_no_probe()
    {
        Fail(3);
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(0, Permits(0));
        Assert.Equal(1, Permits(1));
    }
}
