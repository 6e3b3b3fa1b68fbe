using Handoff.ServiceDefaults;

namespace Handoff.Conversations.Commands;

public static class ConversationCommands
{
    public static IHostApplicationBuilder AddConversationCommands(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HandoffOptions>().BindConfiguration(HandoffOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.AddHandoffMessaging(x => x.AddConsumer<ConversationCommandsConsumer>(typeof(ConversationCommandsConsumerDefinition)));
        return builder;
    }
}
