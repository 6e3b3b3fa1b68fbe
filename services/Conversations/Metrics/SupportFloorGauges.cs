using Marten;
using Microsoft.Extensions.Options;

namespace Handoff.Conversations.Metrics;

/// <summary>
/// Counts the open handoffs per bot from the stored <see cref="FloorTimes"/> (one small document per open session),
/// so the gauges start right after a restart and agree across replicas.
/// </summary>
public sealed partial class SupportFloorGauges(
    IDocumentStore store, SupportFloorMetrics metrics, IOptions<SupportFloorOptions> options, ILogger<SupportFloorGauges> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval);
        do
        {
            try
            {
                await using var session = store.QuerySession();
                var open = await session.Query<FloorTimes>().ToListAsync(stoppingToken);
                metrics.SetFloor(open.GroupBy(t => t.BotId).ToDictionary(
                    bot => bot.Key, bot => ((long)bot.Count(t => !t.Assigned), (long)bot.Count(t => t.Assigned))));
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The gauges keep their last values; readiness already reports a database that is down.
                LogRefreshFailed(e);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(LogLevel.Warning, "Counting the open handoffs for the support-floor gauges failed; retrying on the next tick")]
    private partial void LogRefreshFailed(Exception exception);
}
