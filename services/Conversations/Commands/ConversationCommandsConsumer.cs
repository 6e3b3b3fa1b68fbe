using Handoff.Contracts;
using Handoff.Conversations.Conversations;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Handoff.Conversations.Commands;

/// <summary>The AltaBots webhooks, as commands from the Gateway, and the timers' commands from Timeouts.</summary>
public class ConversationCommandsConsumer(IDocumentSession session, IOptions<HandoffOptions> options, TimeProvider clock, ILogger<ConversationCommandsConsumer> logger)
    : IConsumer<EstablishConversation>, IConsumer<PostUserMessage>, IConsumer<RecordPlatformClose>, IConsumer<CloseIdleConversation>,
      IConsumer<CloseIdleConversationV2>, IConsumer<PostSystemMessage>
{
    public Task Consume(ConsumeContext<EstablishConversation> context) =>
        Handle(context.Message.ConversationId, s => ConversationDecider.Decide(context.Message, s, clock.GetUtcNow(), options.Value.Greeting), context);

    public Task Consume(ConsumeContext<PostUserMessage> context) =>
        Handle(context.Message.ConversationId, s => ConversationDecider.Decide(context.Message, s), context);

    public Task Consume(ConsumeContext<RecordPlatformClose> context) =>
        Handle(context.Message.ConversationId, s => ConversationDecider.Decide(context.Message, s), context);

    public Task Consume(ConsumeContext<CloseIdleConversation> context) =>
        Handle(context.Message.ConversationId, s => ConversationDecider.Decide(context.Message, s, clock.GetUtcNow()), context);

    public Task Consume(ConsumeContext<CloseIdleConversationV2> context) =>
        Handle(context.Message.ConversationId, s => ConversationDecider.Decide(context.Message, s, clock.GetUtcNow()), context);

    public Task Consume(ConsumeContext<PostSystemMessage> context) =>
        Handle(context.Message.ConversationId, s => ConversationDecider.Decide(context.Message, s, clock.GetUtcNow()), context);

    private async Task Handle<T>(string conversationId, Func<Conversation, Decision> decide, ConsumeContext<T> context) where T : class
    {
        var decision = await session.DecideAsync(conversationId, decide, context.CancellationToken);
        await session.SaveAndMeasureAsync(context.CancellationToken);
        logger.LogInformation("{Command} for {ConversationId} decided {EventCount} events", typeof(T).Name, conversationId, decision.Events.Count);
    }
}
