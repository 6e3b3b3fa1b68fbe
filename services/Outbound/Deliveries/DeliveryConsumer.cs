using Handoff.Contracts;
using Handoff.Outbound.AltaBots;
using Marten;
using MassTransit;

namespace Handoff.Outbound.Deliveries;

/// <summary>Tells AltaBots what the user must see, once per message id.</summary>
public sealed class DeliveryConsumer(AltaBotsClient altaBots, IDocumentSession session, TimeProvider clock, ILogger<DeliveryConsumer> logger) :
    IConsumer<SystemMessageSent>, IConsumer<AgentReplied>, IConsumer<ConversationClosed>
{
    public Task Consume(ConsumeContext<SystemMessageSent> context) =>
        Deliver(context, AltaBotsCall.Message(context.Message.ConversationId, context.Message.At, context.Message.Text));

    public Task Consume(ConsumeContext<AgentReplied> context) =>
        Deliver(context, AltaBotsCall.Message(context.Message.ConversationId, context.Message.At, context.Message.Text));

    public Task Consume(ConsumeContext<ConversationClosed> context) =>
        AltaBotsCall.Close(context.Message) is { } call ? Deliver(context, call) : Task.CompletedTask;

    private async Task Deliver(ConsumeContext context, AltaBotsCall call)
    {
        var messageId = context.MessageId ?? throw new PermanentDeliveryFailure(call.ConversationId, "the message has no MessageId to deduplicate on");
        if (await session.LoadAsync<DeliveredMessage>(messageId, context.CancellationToken) is not null)
        {
            logger.LogInformation("Message {MessageId} of {ConversationId} was already delivered; skipped", messageId, call.ConversationId);
            return;
        }

        var result = await altaBots.Send(call, messageId, context.CancellationToken);
        switch (result.Outcome)
        {
            case DeliveryOutcome.Delivered:
                session.Store(new DeliveredMessage(messageId, call.ConversationId, clock.GetUtcNow()));
                await session.SaveChangesAsync(context.CancellationToken);
                return;
            case DeliveryOutcome.Retry:
                throw new TransientDeliveryFailure(call.ConversationId, result.StatusCode);
            default:
                logger.LogError("AltaBots rejected message {MessageId} of {ConversationId} with HTTP {StatusCode} (code {PlatformCode}); not retried",
                    messageId, call.ConversationId, result.StatusCode, result.PlatformCode);
                throw new PermanentDeliveryFailure(call.ConversationId, $"HTTP {result.StatusCode}");
        }
    }
}
