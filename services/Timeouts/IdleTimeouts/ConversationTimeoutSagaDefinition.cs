using MassTransit;

namespace Handoff.Timeouts.IdleTimeouts;

public class ConversationTimeoutSagaDefinition : SagaDefinition<ConversationTimeout>
{
    public ConversationTimeoutSagaDefinition()
    {
        EndpointName = "timeouts-conversation";
        // Each message is a short load, decide, save; many of different conversations at once keep a burst of due
        // timers close to their due time. Two of one conversation collide on the saga's version and one retries.
        ConcurrentMessageLimit = 32;
    }

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<ConversationTimeout> sagaConfigurator,
        IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
            rabbit.PrefetchCount = 64;
        // Two events of one conversation handled at once collide on the saga's version; a retry re-reads and re-decides.
        endpointConfigurator.UseMessageRetry(r => r.Intervals(50, 200, 500, 1000, 2000));
        // No in-memory outbox: the saga's sends and timers are rows written with the saga itself (PendingSchedule).
    }
}
