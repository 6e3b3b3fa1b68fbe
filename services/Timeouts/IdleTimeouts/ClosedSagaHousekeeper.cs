using Marten;
using Marten.Linq.LastModified;
using Microsoft.Extensions.Options;

namespace Handoff.Timeouts.IdleTimeouts;

/// <summary>
/// A closed conversation's saga stays as a tombstone, so a late or repeated event of the closed session arms nothing.
/// Past <see cref="TimerOptions.ClosedRetention"/> it is deleted, or one row per conversation ever seen would pile up.
/// An event older than that which still arrives creates a fresh saga; the idle close it may send is refused by
/// Conversations, which has the session as closed.
/// </summary>
public sealed partial class ClosedSagaHousekeeper(
    IDocumentStore store, IOptions<TimerOptions> options, TimeProvider time, ILogger<ClosedSagaHousekeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HousekeepingInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var session = store.LightweightSession();
                var cutoff = time.GetUtcNow() - options.Value.ClosedRetention;
                session.DeleteWhere<ConversationTimeout>(x => x.CurrentState == nameof(ConversationTimeoutStateMachine.Closed) && x.ModifiedBefore(cutoff));
                await session.SaveChangesAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(e);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Deleting closed sagas failed; retrying on the next round")]
    private partial void LogFailed(Exception exception);
}
