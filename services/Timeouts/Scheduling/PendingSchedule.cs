using System.Text.Json;
using Handoff.ServiceDefaults;
using Marten;
using MassTransit;

namespace Handoff.Timeouts.Scheduling;

/// <summary>
/// What the handling of one message does to <c>scheduled_messages</c>: timers armed and cancelled, and messages to send.
/// Nothing is written while the saga decides; the saga repository writes it all in the transaction that saves the saga
/// (<see cref="Sagas.MartenSagaRepositoryContext{TSaga,TMessage}"/>). So a saga and the timers it expects are stored
/// together or not at all, and a handling that fails, conflicts or is cut short by a stop leaves nothing behind: the
/// redelivered message decides again from the saga as it was.
/// </summary>
/// <remarks>
/// Sends go the same way, as rows due at once (a transactional outbox): a send straight to the broker could leave
/// before the saga is saved, or be lost after it, if the process or the broker stops in between, and the redelivered
/// wake-up would then find its timer already spent.
/// </remarks>
public sealed class PendingSchedule(ScheduledMessageStore store, DispatchSignal dispatcher, TimeProvider time)
{
    private readonly List<ScheduledMessageRow> _added = [];
    private readonly List<Guid> _removed = [];

    public Guid Schedule(Uri destination, DateTimeOffset dueAt, object message, Type type) =>
        Add(destination, dueAt, message, type, sendNow: false);

    /// <summary>Sends <paramref name="message"/> once the saga is saved: the dispatcher is woken to send it at once.</summary>
    public void Send<T>(Uri destination, T message) where T : class =>
        Add(destination, time.GetUtcNow(), message, typeof(T), sendNow: true);

    public void Cancel(Guid tokenId)
    {
        // Armed and cancelled in one handling: never written at all (the deletes run before the inserts).
        if (_added.RemoveAll(row => row.TokenId == tokenId) == 0)
            _removed.Add(tokenId);
    }

    /// <summary>Forgets what an attempt decided: a retried message decides again from the start.</summary>
    public void Clear()
    {
        _added.Clear();
        _removed.Clear();
    }

    /// <summary>Queues the changes in <paramref name="session"/>, to be written by its next SaveChanges.</summary>
    public void Enlist(IDocumentSession session) => store.Enlist(session, _added, _removed);

    /// <summary>After the commit: what is due already goes out now rather than at the next poll.</summary>
    public void Committed()
    {
        var now = time.GetUtcNow();
        if (_added.Any(row => row.DueAt <= now))
            dispatcher.Wake();
        Clear();
    }

    private Guid Add(Uri destination, DateTimeOffset dueAt, object message, Type type, bool sendNow)
    {
        var tokenId = NewId.NextGuid();
        _added.Add(new ScheduledMessageRow(tokenId, dueAt, Portable(destination), $"{type.FullName}, {type.Assembly.GetName().Name}",
            JsonSerializer.Serialize(message, type), TraceContext.Current, sendNow));
        return tokenId;
    }

    // Rows outlive deployments: keep the queue name, not the broker host and virtual host of the instance that wrote it.
    private static Uri Portable(Uri address) =>
        address.Scheme is "rabbitmq" or "rabbitmqs" && address.Segments.Length > 1
            ? new Uri($"queue:{address.Segments[^1].Trim('/')}")
            : address;
}

public static class PendingScheduleActivities
{
    /// <summary>Like the state machine's <c>Send</c>, but the message leaves only once the saga is saved, with it.</summary>
    public static EventActivityBinder<TSaga, TMessage> SendWhenSaved<TSaga, TMessage, T>(this EventActivityBinder<TSaga, TMessage> binder,
        Func<BehaviorContext<TSaga, TMessage>, Uri> destination, Func<BehaviorContext<TSaga, TMessage>, T> message)
        where TSaga : class, SagaStateMachineInstance
        where TMessage : class
        where T : class =>
        binder.Then(c => c.GetPayload<PendingSchedule>().Send(destination(c), message(c)));
}
