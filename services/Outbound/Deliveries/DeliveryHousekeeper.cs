using Handoff.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Handoff.Outbound.Deliveries;

/// <summary>Keeps the backlog gauge current and the delivery tables small. Harmless on every instance at once.</summary>
public sealed partial class DeliveryHousekeeper(DeliveryStore store, DeliveryMetrics metrics, DispatchSignal signal,
    IOptions<DeliveryOptions> options, ILogger<DeliveryHousekeeper> logger) : BackgroundService
{
    private static readonly TimeSpan BacklogEvery = TimeSpan.FromSeconds(10);
    private const int TidyEveryTicks = 30; // five minutes

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(BacklogEvery);
        var tick = 0;
        do
        {
            try
            {
                metrics.Backlog(await store.Backlog(stoppingToken));
                if (tick++ % TidyEveryTicks == 0 && await store.Tidy(options.Value.Retention, stoppingToken) is > 0 and var repaired)
                {
                    LogRepaired(repaired);
                    signal.Wake();
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(e);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(LogLevel.Warning, "{Count} conversations had pending deliveries but no due time; made them due")]
    private partial void LogRepaired(int count);

    [LoggerMessage(LogLevel.Warning, "Delivery housekeeping failed; trying again on the next tick")]
    private partial void LogFailed(Exception exception);
}
