using Handoff.Contracts;
using Handoff.Conversations.Conversations;
using Marten;
using MassTransit;

namespace Handoff.Conversations.Deliveries;

/// <summary>Outbound's reports on what became of each message it sent to AltaBots, recorded in the conversation's stream.</summary>
public class DeliveryStatusConsumer(IDocumentStore store, ILogger<DeliveryStatusConsumer> logger) : IConsumer<DeliveryStatusChanged>
{
    public async Task Consume(ConsumeContext<DeliveryStatusChanged> context)
    {
        var report = context.Message;
        var decision = await store.DecideAndSaveAsync(report.ConversationId, s => ConversationDecider.Decide(report, s), context.CancellationToken);
        logger.LogInformation("Delivery {DeliveryId} revision {Revision} ({State}) for {ConversationId} decided {EventCount} events",
            report.DeliveryId, report.Revision, report.State, report.ConversationId, decision.Events.Count);
    }
}
