using System.Collections.Frozen;
using System.Diagnostics.Metrics;

namespace Handoff.Conversations.Metrics;

/// <summary>
/// The support-floor meter, <c>Handoff.Conversations</c>. Counters and histograms are recorded by
/// <see cref="SupportFloorSubscription"/> from the events; the two gauges read the counts that
/// <see cref="SupportFloorGauges"/> queries from the store, so every replica reports the same (dashboards take the max).
/// </summary>
public sealed class SupportFloorMetrics : IDisposable
{
    public const string MeterName = "Handoff.Conversations";

    private static readonly double[] WaitBuckets = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];
    private static readonly double[] DurationBuckets = [60, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800, 86400];

    private readonly Meter _meter;
    private readonly Counter<long> _handoffs;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _agentResponse;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _closes;
    private volatile FrozenDictionary<string, (long Waiting, long Active)>? _floor;

    public SupportFloorMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _handoffs = _meter.CreateCounter<long>("handoff.conversations.handoffs", "{handoff}", "Handoffs established, by bot");
        _queueWait = _meter.CreateHistogram<double>("handoff.conversations.queue_wait", "s",
            "From a handoff's establish to its first agent reply, by bot", advice: new() { HistogramBucketBoundaries = WaitBuckets });
        _agentResponse = _meter.CreateHistogram<double>("handoff.conversations.agent_response_time", "s",
            "From a user message to the next agent reply, by bot", advice: new() { HistogramBucketBoundaries = WaitBuckets });
        _duration = _meter.CreateHistogram<double>("handoff.conversations.duration", "s",
            "From a handoff's establish to its close, by bot and reason", advice: new() { HistogramBucketBoundaries = DurationBuckets });
        _closes = _meter.CreateCounter<long>("handoff.conversations.closes", "{conversation}", "Handoff sessions closed, by bot and reason");
        _meter.CreateObservableGauge("handoff.conversations.waiting", () => Floor(f => f.Waiting), "{conversation}",
            "Open handoffs no agent has taken yet, by bot");
        _meter.CreateObservableGauge("handoff.conversations.active", () => Floor(f => f.Active), "{conversation}",
            "Open handoffs an agent has taken, by bot");
    }

    public void Record(FloorMeasurement m)
    {
        var bot = new KeyValuePair<string, object?>("bot_id", m.BotId);
        var reason = new KeyValuePair<string, object?>("reason", m.Reason);
        switch (m.Instrument)
        {
            case FloorInstrument.HandoffStarted: _handoffs.Add(1, bot); break;
            case FloorInstrument.QueueWait: _queueWait.Record(m.Seconds, bot); break;
            case FloorInstrument.AgentResponse: _agentResponse.Record(m.Seconds, bot); break;
            case FloorInstrument.Duration: _duration.Record(m.Seconds, bot, reason); break;
            case FloorInstrument.Closed: _closes.Add(1, bot, reason); break;
        }
    }

    /// <summary>The open handoffs per bot. A bot seen before and absent now reports 0 rather than vanishing.</summary>
    public void SetFloor(IReadOnlyDictionary<string, (long Waiting, long Active)> counts)
    {
        var known = _floor?.Keys ?? [];
        _floor = known.Union(counts.Keys).ToFrozenDictionary(bot => bot, bot => counts.GetValueOrDefault(bot));
    }

    private IEnumerable<Measurement<long>> Floor(Func<(long Waiting, long Active), long> pick) =>
        _floor?.Select(kv => new Measurement<long>(pick(kv.Value), new KeyValuePair<string, object?>("bot_id", kv.Key))) ?? [];

    public void Dispose() => _meter.Dispose();
}
