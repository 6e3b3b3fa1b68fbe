using Handoff.Contracts;
using Handoff.Conversations.Deliveries;
using Handoff.ServiceDefaults;
using MassTransit;

namespace Handoff.Conversations.Commands;

public static class ConversationCommands
{
    public static IHostApplicationBuilder AddConversationCommands(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HandoffOptions>().BindConfiguration(HandoffOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.AddHandoffMessaging(
            x =>
            {
                x.AddConsumer<ConversationCommandsConsumer>(typeof(ConversationCommandsConsumerDefinition)).ExcludeFromConfigureEndpoints();
                // The one bus of this service is set up here; the delivery reports get their endpoint from their definition.
                x.AddConsumer<DeliveryStatusConsumer, DeliveryStatusConsumerDefinition>();
            },
            (context, bus) =>
            {
                for (var lane = 0; lane < Queues.ConversationCommandLanes; lane++)
                    bus.ReceiveEndpoint(Queues.ConversationCommandLane(lane), endpoint =>
                    {
                        // One command at a time per lane, in queue order. A partitioner keyed by ConversationId is not
                        // enough on RabbitMQ: concurrent deliveries race to it, and a chat was seen overtaking the one
                        // before it (a re-establish could overtake the close it follows). Commands are short (one read,
                        // one write), and the consumer appends through DecideAsync so a batch could share a session.
                        // Senders address the lane queue directly; nothing is published to it.
                        endpoint.ConfigureConsumeTopology = false;
                        endpoint.SingleActiveConsumer = true;
                        endpoint.ConcurrentMessageLimit = 1;
                        endpoint.PrefetchCount = 32;
                        endpoint.ConfigureConsumer<ConversationCommandsConsumer>(context);
                    });
            });
        return builder;
    }
}
