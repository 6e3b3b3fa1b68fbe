using Handoff.ServiceDefaults;
using MassTransit;
using MassTransit.Context;
using MassTransit.Scheduling;

namespace Handoff.Timeouts.Scheduling;

/// <summary>
/// Gives every consumed message its <see cref="PendingSchedule"/> and a scheduler that writes into it, which is what the
/// state machine's Schedule(...) and Unschedule(...) use.
/// </summary>
public sealed class PostgresMessageSchedulerFilter(ScheduledMessageStore store, DispatchSignal dispatcher, TimeProvider time) : IFilter<ConsumeContext>
{
    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        var pending = context.GetOrAddPayload(() => new PendingSchedule(store, dispatcher, time));
        context.GetOrAddPayload<MessageSchedulerContext>(() =>
            new ConsumeMessageSchedulerContext(context, c => new MessageScheduler(new PostgresScheduleMessageProvider(pending), c.GetPayload<IBusTopology>())));
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("postgresMessageScheduler");
}
