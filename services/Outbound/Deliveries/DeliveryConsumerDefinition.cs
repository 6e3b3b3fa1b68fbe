using MassTransit;

namespace Handoff.Outbound.Deliveries;

/// <summary>The retry policy of a delivery. The lane endpoints it runs on are shaped in <see cref="DeliveryLanes"/>.</summary>
public sealed class DeliveryConsumerDefinition : ConsumerDefinition<DeliveryConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DeliveryConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // In-memory retry, not delayed redelivery: it keeps the lane, so the conversation's next message waits behind this
        // one; redelivery would requeue it behind them (and RabbitMQ here has no delayed-exchange plugin).
        // About a minute in all, then the lane's error queue.
        consumerConfigurator.UseMessageRetry(r =>
        {
            r.Ignore<PermanentDeliveryFailure>();
            r.Intervals(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30));
        });
    }
}
