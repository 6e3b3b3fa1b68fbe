using Handoff.ServiceDefaults;
using System.Text.Json;
using MassTransit;
using MassTransit.Scheduling;

namespace Handoff.Timeouts.Scheduling;

/// <summary>
/// The scheduler behind the saga's <c>Schedule(...)</c>: a scheduled message is a row in PostgreSQL until it is due.
/// Chosen over a RabbitMQ TTL queue because a TTL queue only expires messages at its head, so each timer
/// length would need a queue of its own; a table takes timers of any length (idle, agent wait, warnings),
/// survives restarts with the database, and is shared safely by several instances.
/// </summary>
public sealed class PostgresScheduleMessageProvider(ScheduledMessageStore store) : IScheduleMessageProvider
{
    public async Task<ScheduledMessage<T>> ScheduleSend<T>(Uri destinationAddress, DateTime scheduledTime, T message, IPipe<SendContext<T>> pipe,
        CancellationToken cancellationToken) where T : class
    {
        // The send pipe cannot be stored; the state machine's only use of it is the token header, set again on dispatch.
        var tokenId = NewId.NextGuid();
        var dueAt = scheduledTime.Kind == DateTimeKind.Local
            ? new DateTimeOffset(scheduledTime.ToUniversalTime())
            : new DateTimeOffset(DateTime.SpecifyKind(scheduledTime, DateTimeKind.Utc));
        var type = typeof(T);
        var row = new ScheduledMessageRow(tokenId, dueAt, Portable(destinationAddress), $"{type.FullName}, {type.Assembly.GetName().Name}",
            JsonSerializer.Serialize(message), TraceContext.Current);
        await store.Add(row, cancellationToken);
        return new ScheduledMessageHandle<T>(tokenId, scheduledTime, destinationAddress, message);
    }

    public Task CancelScheduledSend(Guid tokenId, CancellationToken cancellationToken) => store.Remove(tokenId, cancellationToken);

    public Task CancelScheduledSend(Uri destinationAddress, Guid tokenId, CancellationToken cancellationToken) =>
        store.Remove(tokenId, cancellationToken);

    // Rows outlive deployments: keep the queue name, not the broker host and virtual host of the instance that wrote it.
    private static Uri Portable(Uri address) =>
        address.Scheme is "rabbitmq" or "rabbitmqs" && address.Segments.Length > 1
            ? new Uri($"queue:{address.Segments[^1].Trim('/')}")
            : address;
}
