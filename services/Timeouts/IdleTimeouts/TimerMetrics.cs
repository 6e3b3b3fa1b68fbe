using System.Diagnostics.Metrics;

namespace Handoff.Timeouts.IdleTimeouts;

/// <summary>The timers meter, <c>Handoff.Timeouts</c>. Its only tag is the timer's kind.</summary>
public sealed class TimerMetrics : IDisposable
{
    public const string MeterName = "Handoff.Timeouts";

    private readonly Meter _meter;
    private readonly Counter<long> _fired;

    public TimerMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _fired = _meter.CreateCounter<long>("handoff.timeouts.timers.fired", "{timer}",
            "Timers that fired and were acted on (a stale wake-up is not counted), by kind");
    }

    /// <summary>
    /// Counted as the saga acts on the wake-up, before the saga is saved: a save lost to a concurrent update is retried
    /// and counted again, so under contention this may over-count slightly.
    /// </summary>
    public void Fired(string kind) => _fired.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Dispose() => _meter.Dispose();
}
