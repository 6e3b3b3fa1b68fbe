using Handoff.Contracts;
using MassTransit;

namespace Handoff.Outbound.Deliveries;

/// <summary>Moves each message, unchanged and with its MessageId, to its conversation's lane.</summary>
public sealed class DeliveryRouter : IConsumer<SystemMessageSent>, IConsumer<AgentReplied>, IConsumer<ConversationClosed>
{
    public Task Consume(ConsumeContext<SystemMessageSent> context) => context.Forward(DeliveryLanes.Address(context.Message.ConversationId));

    public Task Consume(ConsumeContext<AgentReplied> context) => context.Forward(DeliveryLanes.Address(context.Message.ConversationId));

    public Task Consume(ConsumeContext<ConversationClosed> context) => context.Forward(DeliveryLanes.Address(context.Message.ConversationId));
}
