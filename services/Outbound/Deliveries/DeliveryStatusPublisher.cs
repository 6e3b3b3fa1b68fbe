using System.Diagnostics;
using Handoff.Contracts;
using Handoff.ServiceDefaults;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;

namespace Handoff.Outbound.Deliveries;

/// <summary>
/// Publishes every delivery status change recorded in Outbound's store, so that Conversations can show it in the transcript.
/// At least once: each message carries the store event's id as MessageId, and a Revision that lets consumers ignore repeats
/// and stale reports.
/// </summary>
public sealed class DeliveryStatusPublisher : SubscriptionBase
{
    private readonly IBus _bus;
    private readonly ILogger<DeliveryStatusPublisher> _logger;

    public DeliveryStatusPublisher(IBus bus, ILogger<DeliveryStatusPublisher> logger)
    {
        (_bus, _logger) = (bus, logger);
        Name = "delivery-status";
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken ct)
    {
        // Order does not matter to consumers (revisions sort it out), so a page goes out concurrently.
        await Task.WhenAll(page.Events
            .Select(e => (Event: e, Message: ToContract(e.Data, e.Timestamp)))
            .Where(x => x.Message is not null)
            .Select(x => Publish(x.Message!, x.Event.Id, x.Event.Headers?.GetValueOrDefault(TraceContext.Header)?.ToString(), ct)));
        return NullChangeListener.Instance;
    }

    private async Task Publish(DeliveryStatusChanged message, Guid eventId, string? traceParent, CancellationToken ct)
    {
        // Continues the trace of the attempt that recorded the change; MassTransit's send span nests under it.
        using var activity = DeliveryTelemetry.Source.StartActivity("publish DeliveryStatusChanged", ActivityKind.Producer, traceParent,
            [new("handoff.conversation_id", message.ConversationId), new("handoff.delivery_id", message.DeliveryId),
             new("handoff.delivery.state", message.State.ToString())]);
        await _bus.PublishUntilConfirmed(message, eventId, message.ConversationId, _logger, ct);
    }

    public static DeliveryStatusChanged? ToContract(object data, DateTimeOffset at) => data switch
    {
        DeliverySucceeded e => new(e.DeliveryId, e.ConversationId, e.Session, e.Sequence, e.Revision, DeliveryState.Delivered,
            e.Attempts, at, null, e.StatusCode, null),
        DeliveryAttemptFailed e => new(e.DeliveryId, e.ConversationId, e.Session, e.Sequence, e.Revision, DeliveryState.Retrying,
            e.Attempts, at, e.NextAttemptAt, e.StatusCode, e.Failure),
        DeliveryGaveUp e => new(e.DeliveryId, e.ConversationId, e.Session, e.Sequence, e.Revision, DeliveryState.Failed,
            e.Attempts, at, null, e.StatusCode, e.Failure),
        DeliveryReplayed e => new(e.DeliveryId, e.ConversationId, e.Session, e.Sequence, e.Revision, DeliveryState.Pending,
            0, at, at, null, null),
        _ => null,
    };
}
