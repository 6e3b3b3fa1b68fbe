using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Services;
using Marten.Subscriptions;

namespace Handoff.Conversations.Metrics;

/// <summary>
/// Measures the support floor from the event stream. Run by the async daemon (HotCold: one replica at a time), so each
/// event is measured by one process, and its <see cref="FloorTimes"/> are saved in the same transaction as the
/// subscription's progress, so a restart resumes exactly where the saved times left off.
/// </summary>
public sealed class SupportFloorSubscription : SubscriptionBase
{
    public const string SubscriptionName = "support-floor-metrics";

    private readonly SupportFloorMetrics _metrics;

    public SupportFloorSubscription(SupportFloorMetrics metrics)
    {
        _metrics = metrics;
        Name = SubscriptionName;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var ids = page.Events.Select(e => e.StreamKey).OfType<string>().Distinct().ToArray();
        if (ids.Length == 0) return NullChangeListener.Instance;

        // Loaded once per page, then carried in memory: what this page stores is not readable until it commits.
        var times = (await operations.LoadManyAsync<FloorTimes>(cancellationToken, ids)).ToDictionary(t => t.Id, t => (FloorTimes?)t);
        var changed = new HashSet<string>();
        var measurements = new List<FloorMeasurement>();
        foreach (var e in page.Events)
        {
            if (e.StreamKey is not { } id) continue;
            var before = times.GetValueOrDefault(id);
            var (after, measured) = SupportFloor.Observe(before, id, e.Data, e.Timestamp);
            if (!ReferenceEquals(before, after)) changed.Add(id);
            times[id] = after;
            measurements.AddRange(measured);
        }
        foreach (var id in changed)
        {
            if (times[id] is { } kept) operations.Store(kept);
            else operations.Delete<FloorTimes>(id);
        }
        return measurements.Count == 0 ? NullChangeListener.Instance : new RecordAfterCommit(_metrics, measurements);
    }

    /// <summary>
    /// Records only once the page is committed. A page that fails is rolled back and read again, and is then recorded
    /// once, not twice. The price is the other edge: a process that dies between the commit and this call loses that
    /// page's measurements, as it loses every measurement not yet scraped.
    /// </summary>
    private sealed class RecordAfterCommit(SupportFloorMetrics metrics, IReadOnlyList<FloorMeasurement> measurements) : IChangeListener
    {
        public Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
        {
            foreach (var measurement in measurements) metrics.Record(measurement);
            return Task.CompletedTask;
        }

        public Task BeforeCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token) => Task.CompletedTask;
    }
}
