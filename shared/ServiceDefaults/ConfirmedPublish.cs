using MassTransit;
using Microsoft.Extensions.Logging;

namespace Handoff.ServiceDefaults;

/// <summary>How the event-store subscriptions hand their events to the broker.</summary>
public static class ConfirmedPublish
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Publishes <paramref name="message"/> under <paramref name="messageId"/> (the stored event's id), trying until the broker
    /// confirms it. A broker outage is waited out here rather than thrown to Marten's daemon, which could pause the
    /// subscription; a publish whose confirm was lost goes again under the same MessageId, which consumers deduplicate on.
    /// </summary>
    public static async Task PublishUntilConfirmed(this IBus bus, object message, Guid messageId, string? conversationId, ILogger logger,
        CancellationToken ct)
    {
        var type = message.GetType();
        for (var delay = FirstDelay; ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks)))
        {
            try
            {
                await bus.Publish(message, type, Pipe.Execute<PublishContext>(context => context.MessageId = messageId), ct);
                logger.LogDebug("Published {MessageType} {MessageId} for {ConversationId}", type.Name, messageId, conversationId);
                return;
            }
            catch (Exception exception) when (!ct.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Publishing {MessageType} {MessageId} for {ConversationId} failed; retrying in {Delay}",
                    type.Name, messageId, conversationId, delay);
                await Task.Delay(delay, ct);
            }
        }
    }
}
