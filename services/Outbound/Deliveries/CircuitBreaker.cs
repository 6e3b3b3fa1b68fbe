namespace Handoff.Outbound.Deliveries;

/// <summary>
/// Backs off from AltaBots as a whole. After <see cref="DeliveryOptions.BreakerThreshold"/> failed attempts in a row the
/// circuit opens and no conversation is attempted; when the pause ends one probe goes out. A probe that succeeds closes
/// the circuit; one that fails opens it again for twice as long, up to <see cref="DeliveryOptions.BreakerMaxPause"/>.
/// Attempts not made while open do not count against any message. Thread-safe; one per Outbound instance.
/// </summary>
public sealed class CircuitBreaker(DeliveryOptions options, TimeProvider clock)
{
    public enum State { Closed, Open, HalfOpen }

    private readonly Lock _lock = new();
    private int _failuresInARow;
    private TimeSpan _pause = options.BreakerPause;
    private DateTimeOffset _openUntil;
    private bool _probing;

    public State Current
    {
        get
        {
            lock (_lock) return _probing ? State.HalfOpen : _failuresInARow >= options.BreakerThreshold ? State.Open : State.Closed;
        }
    }

    /// <summary>
    /// How many attempts may start now, given <paramref name="wanted"/>: all of them while closed, one probe once an open
    /// circuit's pause is over (and none while that probe is out). <paramref name="retryIn"/> says when to ask again when none may;
    /// <paramref name="probe"/> marks the one permit that is a probe, whose outcome must be reported with it.
    /// </summary>
    public int Permits(int wanted, out TimeSpan retryIn, out bool probe)
    {
        lock (_lock)
        {
            retryIn = TimeSpan.Zero;
            probe = false;
            if (_failuresInARow < options.BreakerThreshold) return wanted;
            if (_probing) return 0;
            var now = clock.GetUtcNow();
            if (now < _openUntil)
            {
                retryIn = _openUntil - now;
                return 0;
            }
            if (wanted == 0) return 0;
            _probing = probe = true;
            return 1;
        }
    }

    /// <summary>An answer that says nothing about AltaBots' health (a 2xx or a 4xx other than 408 and 429) closes the circuit.</summary>
    public void Succeeded()
    {
        lock (_lock)
        {
            _failuresInARow = 0;
            _pause = options.BreakerPause;
            _probing = false;
        }
    }

    /// <summary>A probe permit that found nothing to attempt: the next one may go.</summary>
    public void ReturnProbe()
    {
        lock (_lock) _probing = false;
    }

    /// <summary>No answer, 408, 429 or 5xx.</summary>
    public void Failed(bool wasProbe)
    {
        lock (_lock)
        {
            if (wasProbe) _probing = false;
            _failuresInARow++;
            if (_failuresInARow < options.BreakerThreshold) return;
            if (wasProbe) _pause = TimeSpan.FromTicks(Math.Min(_pause.Ticks * 2, options.BreakerMaxPause.Ticks));
            // Attempts already in flight when the circuit opened may fail too: they must not push the pause further.
            if (wasProbe || _failuresInARow == options.BreakerThreshold) _openUntil = clock.GetUtcNow() + _pause;
        }
    }
}
