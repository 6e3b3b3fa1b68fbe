namespace Handoff.Outbound.Deliveries;

/// <summary>AltaBots accepted the message with this id (the MassTransit MessageId, i.e. the Conversations event id).</summary>
public sealed record DeliveredMessage(Guid Id, string ConversationId, DateTimeOffset DeliveredAt);
