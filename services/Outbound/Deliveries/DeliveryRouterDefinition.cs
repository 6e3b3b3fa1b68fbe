using MassTransit;

namespace Handoff.Outbound.Deliveries;

public sealed class DeliveryRouterDefinition : ConsumerDefinition<DeliveryRouter>
{
    /// <summary>All three message types share one queue, so a conversation's greeting, replies and close arrive in order.</summary>
    public const string Queue = "outbound-deliveries";

    public DeliveryRouterDefinition() => EndpointName = Queue;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DeliveryRouter> consumerConfigurator, IRegistrationContext context)
    {
        // One delivery at a time, by one replica: the order of the queue is the order in which lanes are fed.
        // Forwarding is one confirmed send, so one at a time still moves about a thousand messages a second.
        endpointConfigurator.ConcurrentMessageLimit = 1;
        endpointConfigurator.PrefetchCount = 32;
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbitMq)
            rabbitMq.SingleActiveConsumer = true;

        // Only the broker can fail a forward; wait for it rather than fault a message out of order.
        consumerConfigurator.UseMessageRetry(r => r.Intervals(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15)));
    }
}
