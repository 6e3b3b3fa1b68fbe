using MassTransit;

namespace Handoff.Timeouts.IdleTimeouts;

public class ConversationTimeoutSagaDefinition : SagaDefinition<ConversationTimeout>
{
    public ConversationTimeoutSagaDefinition() => EndpointName = "timeouts-conversation";

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<ConversationTimeout> sagaConfigurator,
        IRegistrationContext context)
    {
        // Two events of one conversation handled at once collide on the saga's version; a retry re-reads and re-decides.
        endpointConfigurator.UseMessageRetry(r => r.Intervals(50, 200, 500, 1000, 2000));
        // Sends leave only after the saga is saved, so a conflict that is retried does not send twice.
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
