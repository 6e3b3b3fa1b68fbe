using Handoff.Contracts;
using Handoff.Conversations.Conversations;
using MassTransit;

namespace Handoff.Conversations.Commands;

public class ConversationCommandsConsumerDefinition : ConsumerDefinition<ConversationCommandsConsumer>
{
    public ConversationCommandsConsumerDefinition()
    {
        EndpointName = Queues.ConversationCommands;
        // One command at a time, in queue order. A partitioner keyed by ConversationId is not enough on
        // RabbitMQ: concurrent deliveries race to it, and a chat was seen overtaking the one before it
        // (and a re-establish could overtake the close it follows). Commands are short (one read, one
        // write), and the consumer appends through DecideAsync so a later batch consumer can share a session.
        ConcurrentMessageLimit = 1;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<ConversationCommandsConsumer> consumer, IRegistrationContext context)
    {
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
            rabbit.PrefetchCount = 32;

        // Another writer (an agent call) appended first: decide again on fresh state, holding the queue's place.
        endpoint.UseMessageRetry(r =>
        {
            r.Handle<Exception>(ConversationWriter.IsConcurrencyConflict);
            r.Intervals(10, 50, 100, 250, 500);
        });
    }
}
