using MassTransit;
using MassTransit.Context;
using MassTransit.Scheduling;

namespace Handoff.Timeouts.Scheduling;

/// <summary>Gives every consumed message the PostgreSQL scheduler, which is what the state machine's Schedule(...) uses.</summary>
public sealed class PostgresMessageSchedulerFilter(IScheduleMessageProvider provider) : IFilter<ConsumeContext>
{
    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        context.GetOrAddPayload<MessageSchedulerContext>(() =>
            new ConsumeMessageSchedulerContext(context, c => new MessageScheduler(provider, c.GetPayload<IBusTopology>())));
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("postgresMessageScheduler");
}
