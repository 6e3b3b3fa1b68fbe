using Handoff.Conversations.Conversations;
using Handoff.Contracts;
using MassTransit;

namespace Handoff.Conversations.Deliveries;

/// <summary>
/// A queue of its own, apart from the command lanes: reports carry revisions, so they need no order among themselves
/// and are consumed concurrently.
/// </summary>
public class DeliveryStatusConsumerDefinition : ConsumerDefinition<DeliveryStatusConsumer>
{
    public const string Queue = "conversations-delivery-status";

    public DeliveryStatusConsumerDefinition() => EndpointName = Queue;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<DeliveryStatusConsumer> consumer, IRegistrationContext context)
    {
        // A busy conversation (the command lanes, the agent API and other reports all append to its stream) can outlast
        // the writer's own re-decides; the report waits a little and decides again rather than go to the error queue.
        endpoint.UseMessageRetry(r =>
        {
            r.Handle<Exception>(ConversationWriter.IsConcurrencyConflict);
            r.Intervals(50, 250, 1000);
        });
        // Reports of one conversation, taken one at a time in this instance, do not collide with one another; different
        // conversations still go concurrently.
        consumer.Message<DeliveryStatusChanged>(m => m.UsePartitioner(16, c => c.Message.ConversationId));
    }
}
