namespace Handoff.Contracts;

/// <summary>Where one message to AltaBots stands. Retrying means a later attempt is scheduled; Failed is permanent until an operator replays it.</summary>
public enum DeliveryState { Pending, Retrying, Delivered, Failed }

/// <summary>
/// Published by Outbound each time a delivery to AltaBots changes state. <paramref name="DeliveryId"/> is the MessageId of the
/// event being delivered (Conversations' event id), the same on every attempt and replay. <paramref name="Sequence"/> is the
/// transcript sequence of the message, null for a close. <paramref name="Revision"/> grows with every change of one delivery:
/// these may arrive out of order or twice, and a consumer keeps only the highest revision it has seen.
/// <paramref name="Failure"/> says why an attempt failed, in words that never quote the message.
/// </summary>
public record DeliveryStatusChanged(
    Guid DeliveryId,
    string ConversationId,
    int Session,
    long? Sequence,
    int Revision,
    DeliveryState State,
    int Attempts,
    DateTimeOffset At,
    DateTimeOffset? NextAttemptAt,
    int? StatusCode,
    string? Failure);
