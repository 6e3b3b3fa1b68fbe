using Handoff.Conversations.Conversations;
using System.Diagnostics;
using Handoff.Contracts;
using Handoff.ServiceDefaults;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;

namespace Handoff.Conversations.IntegrationEvents;

/// <summary>
/// The one way events leave the store. Delivery is at least once (a failed page is replayed), so each
/// message carries the stream event's id as MessageId and consumers can drop what they have seen.
/// </summary>
public class IntegrationEventPublisher : SubscriptionBase
{
    public const string SubscriptionName = "integration-events";

    private static readonly ActivitySource Source = new("Handoff.Conversations");

    private readonly IBus bus;
    private readonly ILogger<IntegrationEventPublisher> logger;

    public IntegrationEventPublisher(IBus bus, ILogger<IntegrationEventPublisher> logger)
    {
        (this.bus, this.logger) = (bus, logger);
        Name = SubscriptionName;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken ct)
    {
        // Each conversation's events go one at a time, each confirmed before the next, so subscribers see them in order;
        // different conversations go side by side. One at a time across the page capped the whole pipeline at one broker
        // round trip per event (about 1,900 a second here, far less on a loaded machine).
        await Task.WhenAll(page.Events.GroupBy(e => e.StreamKey).Select(async stream =>
        {
            foreach (var e in stream)
            {
                if (ToContract(e.Data, e.Timestamp) is not { } message) continue;
                // Continues the trace of the request or command that stored the event; MassTransit's send span nests under it.
                using var activity = Source.StartActivity($"publish {message.GetType().Name}", ActivityKind.Producer,
                    e.Headers?.GetValueOrDefault(TraceContext.Header)?.ToString(),
                    [new("handoff.conversation_id", e.StreamKey), new("handoff.event_id", e.Id), new("handoff.message_type", message.GetType().Name)]);
                await bus.PublishUntilConfirmed(message, e.Id, e.StreamKey, logger, ct);
            }
        }));
        return NullChangeListener.Instance;
    }

    // At is when Handoff recorded the event (the store's clock), not AltaBots' timestamp: subscribers such as
    // the idle timer measure from it, and a platform clock that is skewed or a webhook retried late would
    // otherwise arm a timer that is already due.
    public static object? ToContract(object data, DateTimeOffset recordedAt) => data switch
    {
        HandoffWasRequested e => new HandoffRequested(e.ConversationId, e.Session, e.BotId, recordedAt),
        UserMessagePosted e => new UserMessageReceived(e.ConversationId, e.Session, e.Sequence, e.Text, recordedAt),
        AgentWasAssigned e => new AgentAssigned(e.ConversationId, e.Session, e.AgentId, recordedAt),
        AgentReplyPosted e => new AgentReplied(e.ConversationId, e.Session, e.Sequence, e.AgentId, e.Text, recordedAt),
        SystemMessagePosted e => new SystemMessageSent(e.ConversationId, e.Session, e.Sequence, e.Text, recordedAt),
        ConversationWasClosed e => new ConversationClosed(e.ConversationId, e.Session, ToContract(e.Reason), recordedAt),
        // Outbound published the report this records; publishing it again would echo it back to its own source.
        DeliveryStatusRecorded => null,
        // Remembered only to close the session it overtook; that close is published then.
        _ => null,
    };

    private static CloseReason ToContract(ClosingReason reason) => reason switch
    {
        ClosingReason.UserClosed => CloseReason.UserClosed,
        ClosingReason.PlatformTimeout => CloseReason.PlatformTimeout,
        ClosingReason.Agent => CloseReason.Agent,
        _ => CloseReason.Idle,
    };
}
