using MassTransit;
using MassTransit.Scheduling;

namespace Handoff.Timeouts.Scheduling;

/// <summary>
/// The scheduler behind the saga's <c>Schedule(...)</c>: a scheduled message is a row in PostgreSQL until it is due.
/// Chosen over a RabbitMQ TTL queue because a TTL queue only expires messages at its head, so each timer
/// length would need a queue of its own; a table takes timers of any length (idle, agent wait, warnings),
/// survives restarts with the database, is shared safely by several instances, and can be written in the same
/// transaction as the saga (see <see cref="PendingSchedule"/>). One provider per consumed message.
/// </summary>
public sealed class PostgresScheduleMessageProvider(PendingSchedule pending) : IScheduleMessageProvider
{
    public Task<ScheduledMessage<T>> ScheduleSend<T>(Uri destinationAddress, DateTime scheduledTime, T message, IPipe<SendContext<T>> pipe,
        CancellationToken cancellationToken) where T : class
    {
        // The send pipe cannot be stored; the state machine's only use of it is the token header, set again on dispatch.
        var dueAt = scheduledTime.Kind == DateTimeKind.Local
            ? new DateTimeOffset(scheduledTime.ToUniversalTime())
            : new DateTimeOffset(DateTime.SpecifyKind(scheduledTime, DateTimeKind.Utc));
        var tokenId = pending.Schedule(destinationAddress, dueAt, message, typeof(T));
        return Task.FromResult<ScheduledMessage<T>>(new ScheduledMessageHandle<T>(tokenId, scheduledTime, destinationAddress, message));
    }

    public Task CancelScheduledSend(Guid tokenId, CancellationToken cancellationToken)
    {
        pending.Cancel(tokenId);
        return Task.CompletedTask;
    }

    public Task CancelScheduledSend(Uri destinationAddress, Guid tokenId, CancellationToken cancellationToken) =>
        CancelScheduledSend(tokenId, cancellationToken);
}
