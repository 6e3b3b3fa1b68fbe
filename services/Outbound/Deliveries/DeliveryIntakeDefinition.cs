using MassTransit;

namespace Handoff.Outbound.Deliveries;

public sealed class DeliveryIntakeDefinition : ConsumerDefinition<DeliveryIntake>
{
    /// <summary>All three event types share one queue, so a conversation's greeting, replies and close are queued in order.</summary>
    public const string Queue = "outbound-deliveries";

    public DeliveryIntakeDefinition() => EndpointName = Queue;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DeliveryIntake> consumerConfigurator, IRegistrationContext context)
    {
        // One message at a time, by one replica: the order of this queue becomes the order of the delivery queue. Each is
        // one insert, so that still takes several hundred a second.
        endpointConfigurator.ConcurrentMessageLimit = 1;
        endpointConfigurator.PrefetchCount = 64;
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbitMq)
            rabbitMq.SingleActiveConsumer = true;

        // Only PostgreSQL can fail an insert; wait for it rather than fault a message out of order.
        consumerConfigurator.UseMessageRetry(r => r.Intervals(
            TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30)));
    }
}
