using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Handoff.Conversations.Metrics;

namespace Handoff.Conversations.Tests.Metrics;

/// <summary>
/// Listens to the <c>Handoff.Conversations</c> meter of one hosted service (by the meter factory that made it, so
/// the hosts of other test classes in this process are not heard) and keeps what it measured for one bot.
/// </summary>
public sealed class FloorMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, string? Reason)> _recorded = new();
    private readonly ConcurrentDictionary<string, long> _gauges = new();
    private readonly string _bot;

    public FloorMeter(IMeterFactory meters, string bot)
    {
        _bot = bot;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SupportFloorMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meters))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    public long Count(string instrument, string? reason = null) =>
        _recorded.Count(r => r.Instrument == instrument && (reason is null || r.Reason == reason));

    public IReadOnlyList<double> Values(string instrument) => _recorded.Where(r => r.Instrument == instrument).Select(r => r.Value).ToList();

    public long Sum(string instrument, string? reason = null) =>
        (long)_recorded.Where(r => r.Instrument == instrument && (reason is null || r.Reason == reason)).Sum(r => r.Value);

    /// <summary>The gauge's value for the bot as of now (null until the gauges have counted it).</summary>
    public long? Gauge(string instrument)
    {
        _listener.RecordObservableInstruments();
        return _gauges.TryGetValue(instrument, out var value) ? value : null;
    }

    private void Add<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags) where T : struct
    {
        string? bot = null, reason = null;
        foreach (var (key, tag) in tags)
        {
            if (key == "bot_id") bot = tag as string;
            else if (key == "reason") reason = tag as string;
        }
        if (bot != _bot) return;
        var number = Convert.ToDouble(value);
        if (instrument.IsObservable) _gauges[instrument.Name] = (long)number;
        else _recorded.Enqueue((instrument.Name, number, reason));
    }

    public void Dispose() => _listener.Dispose();
}
