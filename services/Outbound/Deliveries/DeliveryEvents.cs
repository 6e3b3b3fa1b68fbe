namespace Handoff.Outbound.Deliveries;

// Stream events of Outbound's own store, one stream per delivery (its id). They are private: the delivery status
// publisher maps each to the public DeliveryStatusChanged. Revision is the delivery's row revision after the change.

public sealed record DeliveryAttemptFailed(
    Guid DeliveryId, string ConversationId, int Session, long? Sequence, int Revision, int Attempts, int? StatusCode, string Failure,
    DateTimeOffset NextAttemptAt);

public sealed record DeliverySucceeded(Guid DeliveryId, string ConversationId, int Session, long? Sequence, int Revision, int Attempts, int StatusCode);

public sealed record DeliveryGaveUp(
    Guid DeliveryId, string ConversationId, int Session, long? Sequence, int Revision, int Attempts, int? StatusCode, string Failure);

public sealed record DeliveryReplayed(Guid DeliveryId, string ConversationId, int Session, long? Sequence, int Revision, string OperatorId);
