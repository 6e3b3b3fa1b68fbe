using Handoff.Conversations.Conversations;
using MassTransit;

namespace Handoff.Conversations.Commands;

/// <summary>The policy of every command lane (the lanes themselves are declared in <see cref="ConversationCommands"/>).</summary>
public class ConversationCommandsConsumerDefinition : ConsumerDefinition<ConversationCommandsConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<ConversationCommandsConsumer> consumer, IRegistrationContext context)
    {
        // Another writer (an agent call) appended first: decide again on fresh state, holding the lane's place.
        endpoint.UseMessageRetry(r =>
        {
            r.Handle<Exception>(ConversationWriter.IsConcurrencyConflict);
            r.Intervals(10, 50, 100, 250, 500);
        });
    }
}
