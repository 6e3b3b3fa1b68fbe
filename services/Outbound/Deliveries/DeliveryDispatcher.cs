using System.Collections.Concurrent;
using System.Diagnostics;
using Handoff.Outbound.AltaBots;
using Handoff.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Handoff.Outbound.Deliveries;

/// <summary>
/// Attempts due messages, on every instance. Each attempt holds its conversation's lease, so a conversation has at most one
/// request in flight anywhere and its later messages wait; other conversations go on, up to <see cref="DeliveryOptions.MaxInFlight"/>
/// requests per instance, and not at all while the circuit breaker is open. On shutdown it stops claiming and lets the
/// attempts in flight finish and be recorded (each is bounded by the AltaBots timeout).
/// </summary>
public sealed partial class DeliveryDispatcher(
    DeliveryStore store,
    AltaBotsClient altaBots,
    CircuitBreaker breaker,
    DispatchSignal signal,
    DeliveryMetrics metrics,
    IOptions<DeliveryOptions> options,
    IOptions<AltaBotsOptions> altaBotsOptions,
    ILogger<DeliveryDispatcher> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, Task> _running = new();
    private DeliveryOptions Options => options.Value;

    // Long enough for an attempt and its record; a crashed instance's conversations come back when it runs out.
    private TimeSpan Lease => altaBotsOptions.Value.Timeout + TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failuresInARow = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await DispatchOnce(stoppingToken);
                    failuresInARow = 0;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // PostgreSQL away: nothing can be claimed or recorded; wait, then try again.
                    LogClaimFailed(e);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200 * Math.Pow(2, failuresInARow++), 10_000)), stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(_running.Values);
    }

    private async Task DispatchOnce(CancellationToken stoppingToken)
    {
        var free = Options.MaxInFlight - _running.Count;
        if (free <= 0)
        {
            // Every finished attempt wakes the signal.
            await signal.Wait(Options.PollInterval, stoppingToken);
            return;
        }

        var permits = breaker.Permits(free, out var pause, out var probe);
        if (permits == 0)
        {
            await signal.Wait(pause > TimeSpan.Zero && pause < Options.PollInterval ? pause : Options.PollInterval, stoppingToken);
            return;
        }

        var claimed = await store.Claim(permits, Lease, stoppingToken);
        if (probe && claimed.Count == 0) breaker.ReturnProbe();
        foreach (var lane in claimed) Start(lane, probe);
        if (claimed.Count == permits) return; // more may be due already

        var next = await store.NextDue(stoppingToken);
        await signal.Wait(next is { } wait && wait < Options.PollInterval ? wait : Options.PollInterval, stoppingToken);
    }

    private void Start(ClaimedLane lane, bool probe)
    {
        var id = Guid.NewGuid();
        // Not the stopping token: an attempt that started is finished and recorded, so a restart does not repeat it.
        _running[id] = Task.Run(async () =>
        {
            try
            {
                await Attempt(lane, probe);
            }
            catch (Exception e)
            {
                LogAttemptFailed(e, lane.ConversationId);
            }
            finally
            {
                _running.TryRemove(id, out _);
                signal.Wake();
            }
        });
    }

    private async Task Attempt(ClaimedLane lane, bool probe)
    {
        if (lane.Head is not { } head)
        {
            if (probe) breaker.ReturnProbe();
            await store.Release(lane, CancellationToken.None);
            return;
        }

        // One span per attempt, in the trace of the reply: an SRE sees every retry of it, and the HTTP call nested inside.
        using var activity = DeliveryTelemetry.Source.StartActivity("deliver", ActivityKind.Internal, head.TraceParent,
        [
            new("handoff.conversation_id", head.ConversationId), new("handoff.delivery_id", head.Id),
            new("handoff.delivery.kind", head.Kind.ToString()), new("handoff.session", head.Session),
            new("handoff.delivery.attempt", head.Attempts + 1),
        ]);
        var started = Stopwatch.GetTimestamp();
        metrics.Started();
        var result = await altaBots.Send(head.Path, head.Body, head.Id, CancellationToken.None);
        if (result.Outcome == DeliveryOutcome.Retry) breaker.Failed(probe);
        else breaker.Succeeded();

        var attempts = head.Attempts + 1;
        var step = RetryPolicy.After(result, attempts, head.Elapsed + Stopwatch.GetElapsedTime(started), Options, Random.Shared.NextDouble() * 2 - 1);
        var recorded = await RecordPatiently(lane, head, step, result);
        activity?.SetTag("http.response.status_code", result.StatusCode);
        activity?.SetTag("handoff.delivery.outcome", step.GetType().Name);
        if (step is not NextStep.Delivered) activity?.SetStatus(ActivityStatusCode.Error, result.Description);

        switch (step)
        {
            case NextStep.Delivered:
                metrics.Finished("delivered", DateTimeOffset.UtcNow - head.DecidedAt);
                LogDelivered(head.Id, head.ConversationId, attempts);
                break;
            case NextStep.RetryAfter retry:
                metrics.Finished("retry", null);
                metrics.Retried();
                LogRetrying(head.Id, head.ConversationId, attempts, result.Description, retry.Wait);
                break;
            case NextStep.GiveUp giveUp:
                metrics.Finished(result.Outcome == DeliveryOutcome.Rejected ? "rejected" : "retry", null);
                metrics.Failed(result.Outcome == DeliveryOutcome.Rejected ? "rejected" : "exhausted");
                LogGaveUp(head.Id, head.ConversationId, attempts, giveUp.Reason);
                break;
        }
        if (recorded is null) LogLeaseLost(head.Id, head.ConversationId);
    }

    /// <summary>
    /// Recording must not be lost to a short database hiccup: AltaBots already has the message. Retried within the lease;
    /// if that runs out, another instance attempts the message again under the same Idempotency-Key.
    /// </summary>
    private async Task<RecordedOutcome?> RecordPatiently(ClaimedLane lane, PendingDelivery head, NextStep step, DeliveryResult result)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(TimeSpan.FromSeconds(25).TotalSeconds * Stopwatch.Frequency);
        for (var delay = TimeSpan.FromMilliseconds(100); ; delay *= 2)
        {
            try
            {
                return await store.Record(lane, head, step, result, CancellationToken.None);
            }
            catch (Exception e) when (Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency) < deadline)
            {
                LogRecordFailed(e, head.Id, head.ConversationId, delay);
                await Task.Delay(delay);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Claiming due deliveries failed; trying again shortly")]
    private partial void LogClaimFailed(Exception exception);

    [LoggerMessage(LogLevel.Error, "An attempt for {ConversationId} failed unexpectedly; its lease will run out and it will be tried again")]
    private partial void LogAttemptFailed(Exception exception, string conversationId);

    [LoggerMessage(LogLevel.Information, "Delivered {DeliveryId} of {ConversationId} on attempt {Attempt}")]
    private partial void LogDelivered(Guid deliveryId, string conversationId, int attempt);

    [LoggerMessage(LogLevel.Warning, "Attempt {Attempt} of {DeliveryId} of {ConversationId} got {Answer}; next in {Wait}")]
    private partial void LogRetrying(Guid deliveryId, string conversationId, int attempt, string answer, TimeSpan wait);

    [LoggerMessage(LogLevel.Error, "Delivery {DeliveryId} of {ConversationId} failed after {Attempts} attempts: {Reason}")]
    private partial void LogGaveUp(Guid deliveryId, string conversationId, int attempts, string reason);

    [LoggerMessage(LogLevel.Warning, "The lease on {ConversationId} ran out before delivery {DeliveryId} was recorded; another instance took over")]
    private partial void LogLeaseLost(Guid deliveryId, string conversationId);

    [LoggerMessage(LogLevel.Warning, "Recording delivery {DeliveryId} of {ConversationId} failed; retrying in {Delay}")]
    private partial void LogRecordFailed(Exception exception, Guid deliveryId, string conversationId, TimeSpan delay);
}
