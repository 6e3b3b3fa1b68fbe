using System.Text.Json;
using Handoff.Contracts;
using Handoff.Outbound.AltaBots;
using Handoff.Outbound.Operations;
using Handoff.ServiceDefaults;
using MassTransit;

namespace Handoff.Outbound.Deliveries;

/// <summary>
/// Queues what AltaBots must be told, once per event id, in the order the events arrive. It never calls AltaBots: the
/// dispatcher does, from the queue, so a slow or failing AltaBots never holds a broker message.
/// </summary>
public sealed class DeliveryIntake(DeliveryStore store, DispatchSignal signal, ILogger<DeliveryIntake> logger) :
    IConsumer<SystemMessageSent>, IConsumer<AgentReplied>, IConsumer<ConversationClosed>
{
    public Task Consume(ConsumeContext<SystemMessageSent> context) =>
        Queue(context, AltaBotsCall.Message(context.Message.ConversationId, context.Message.At, context.Message.Text),
            context.Message.Session, context.Message.Sequence, context.Message.At);

    public Task Consume(ConsumeContext<AgentReplied> context) =>
        Queue(context, AltaBotsCall.Message(context.Message.ConversationId, context.Message.At, context.Message.Text),
            context.Message.Session, context.Message.Sequence, context.Message.At);

    public Task Consume(ConsumeContext<ConversationClosed> context) =>
        AltaBotsCall.Close(context.Message) is { } call
            ? Queue(context, call, context.Message.Session, null, context.Message.At)
            : Task.CompletedTask;

    private async Task Queue(ConsumeContext context, AltaBotsCall call, int session, long? sequence, DateTimeOffset decidedAt)
    {
        // The MessageId is the event's id in Conversations' store: the delivery's stable id, sent as Idempotency-Key.
        if (context.MessageId is not { } id)
        {
            logger.LogError("A {MessageType} for {ConversationId} has no MessageId to deliver it under; dropped",
                context.SupportedMessageTypes.FirstOrDefault(), call.ConversationId);
            return;
        }
        var body = JsonSerializer.Serialize(call.Body, call.Body.GetType());
        var kind = sequence is null ? DeliveryKind.Close : DeliveryKind.Message;
        if (await store.Enqueue(new NewDelivery(id, call.ConversationId, kind, session, sequence, call.Path, body, decidedAt, TraceContext.Current), context.CancellationToken))
            signal.Wake();
        else
            logger.LogInformation("Delivery {DeliveryId} of {ConversationId} was queued before; ignored", id, call.ConversationId);
    }
}
