using System.Diagnostics.Metrics;

namespace Handoff.Outbound.Deliveries;

/// <summary>The delivery meter, <c>Handoff.Outbound</c>. No tag carries a conversation id: that would be one series per conversation.</summary>
public sealed class DeliveryMetrics : IDisposable
{
    public const string MeterName = "Handoff.Outbound";

    private readonly Meter _meter;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _attempts;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _failures;
    private readonly UpDownCounter<long> _inFlight;
    private long _backlog = -1;

    public DeliveryMetrics(IMeterFactory meters, CircuitBreaker breaker)
    {
        _meter = meters.Create(MeterName);
        _latency = _meter.CreateHistogram<double>("handoff.outbound.delivery.latency", "s",
            "From the moment Conversations recorded a message to AltaBots' 2xx for it",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600] });
        _attempts = _meter.CreateCounter<long>("handoff.outbound.delivery.attempts", "{attempt}", "Requests made to AltaBots, by outcome");
        _retries = _meter.CreateCounter<long>("handoff.outbound.delivery.retries", "{retry}", "Attempts that failed and were scheduled again");
        _failures = _meter.CreateCounter<long>("handoff.outbound.delivery.failures", "{message}", "Messages that failed for good (dead letters), by reason");
        _inFlight = _meter.CreateUpDownCounter<long>("handoff.outbound.delivery.in_flight", "{request}", "Requests to AltaBots in flight on this instance");
        _meter.CreateObservableGauge("handoff.outbound.backlog", () => Interlocked.Read(ref _backlog) is var backlog and >= 0
            ? [new Measurement<long>(backlog)] : Array.Empty<Measurement<long>>(), "{message}", "Messages waiting to be delivered, across all instances");
        _meter.CreateObservableGauge("handoff.outbound.circuit.open", () => breaker.Current == CircuitBreaker.State.Closed ? 0 : 1, null,
            "1 while this instance has stopped calling AltaBots after repeated failures");
    }

    public void Started() => _inFlight.Add(1);

    public void Finished(string outcome, TimeSpan? latency)
    {
        _inFlight.Add(-1);
        _attempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (latency is { } l) _latency.Record(l.TotalSeconds);
    }

    public void Retried() => _retries.Add(1);

    public void Failed(string reason) => _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Backlog(long pending) => Interlocked.Exchange(ref _backlog, pending);

    public void Dispose() => _meter.Dispose();
}
