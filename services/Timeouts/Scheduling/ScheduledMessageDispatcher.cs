using System.Diagnostics;
using System.Text.Json;
using Handoff.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Handoff.Timeouts.Scheduling;

/// <summary>Sends the scheduled messages that are due, on every instance; the store makes sure each goes out once.</summary>
public sealed partial class ScheduledMessageDispatcher(
    ScheduledMessageStore store, IBus bus, DispatchSignal signal, IOptions<SchedulerOptions> options, TimeProvider time,
    ILogger<ScheduledMessageDispatcher> logger)
    : BackgroundService
{
    private static readonly ActivitySource Source = new("Handoff.Timeouts");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A full batch means more may be due already: keep going without waiting for the next tick.
                // The claim outlasts a send that times out (with room for a slow database round trip and a pause of this
                // process), so no other instance takes a row this one is still sending.
                var lease = options.Value.SendTimeout + TimeSpan.FromSeconds(30);
                while (await store.DispatchDue(time.GetUtcNow(), options.Value.BatchSize, lease, row => Dispatch(row, stoppingToken), stoppingToken)
                       == options.Value.BatchSize) { }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogPollFailed(e);
            }
            await signal.Wait(options.Value.PollInterval, stoppingToken);
        }
    }

    private async Task Dispatch(ScheduledMessageRow row, CancellationToken cancellationToken)
    {
        var type = Type.GetType(row.MessageType);
        var message = type is null ? null : Read(row.Body, type);
        if (type is null || message is null)
        {
            // A row no build of this service can read would block the queue forever; drop it loudly.
            LogUnreadable(row.TokenId, row.MessageType);
            return;
        }

        // A timer fires long after the request that armed it, in a trace of its own that links back to that one. A send
        // the saga made is part of the trace that made it.
        var armedBy = row.TraceParent is { } armed && ActivityContext.TryParse(armed, null, out var parsed) ? parsed : (ActivityContext?)null;
        using var activity = row.SendNow
            ? Source.StartActivity($"send {type.Name}", ActivityKind.Producer, armedBy ?? default)
            : Source.StartActivity($"fire {type.Name}", ActivityKind.Producer, default(ActivityContext),
                [new("handoff.timer.token_id", row.TokenId), new("handoff.timer.due_at", row.DueAt.ToString("O"))],
                armedBy is { } link ? [new ActivityLink(link)] : null);
        // With the broker gone a send waits for it to come back; give up on this round instead, and try again next poll.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.SendTimeout);
        var endpoint = await bus.GetSendEndpoint(row.Destination);
        await endpoint.Send(message, type, Pipe.Execute<SendContext>(context =>
        {
            // A row sent again (an instance died between the send and the delete) keeps its message id.
            context.MessageId = row.TokenId;
            if (!row.SendNow)
                context.Headers.Set(MessageHeaders.SchedulingTokenId, row.TokenId.ToString("D"));
        }), timeout.Token);
        LogDispatched(row.TokenId, row.MessageType, time.GetUtcNow() - row.DueAt);
    }

    // A body this build cannot read is as unreadable as an unknown type: retried, it would come first in every poll.
    private static object? Read(string body, Type type)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Polling scheduled messages failed; retrying on the next tick")]
    private partial void LogPollFailed(Exception exception);

    [LoggerMessage(LogLevel.Error, "Dropped scheduled message {TokenId}: type {MessageType} cannot be read")]
    private partial void LogUnreadable(Guid tokenId, string messageType);

    [LoggerMessage(LogLevel.Debug, "Sent scheduled message {TokenId} ({MessageType}) {Lateness} after its due time")]
    private partial void LogDispatched(Guid tokenId, string messageType, TimeSpan lateness);
}
