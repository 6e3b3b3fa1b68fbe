namespace Handoff.Outbound.Operations;

/// <summary>What an operator sees of one delivery: never its body, which quotes the user's conversation.</summary>
public sealed record DeliveryRecord(
    Guid Id,
    string ConversationId,
    DeliveryKind Kind,
    int Session,
    long? Sequence,
    DeliveryStatus Status,
    int Attempts,
    DateTimeOffset QueuedAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? FailedAt,
    int? LastStatusCode,
    string? Failure);

public enum DeliveryKind { Message, Close }

/// <summary>Pending covers both a first attempt and a scheduled retry; Failed deliveries are the dead letters.</summary>
public enum DeliveryStatus { Pending, Delivered, Failed }

public enum ReplayOutcome { Replayed, NotFound, NotFailed }

/// <summary>The operator side of the delivery store: dead letters and their replay.</summary>
public interface IDeliveryOperations
{
    /// <summary>Deliveries in <paramref name="status"/>, oldest first (by the order they were decided); failed ones since <paramref name="since"/> (by failure time) when given.</summary>
    Task<IReadOnlyList<DeliveryRecord>> List(DeliveryStatus status, DateTimeOffset? since, int offset, int limit, CancellationToken ct);

    Task<DeliveryRecord?> Get(Guid id, CancellationToken ct);

    /// <summary>Queues a failed delivery again, with its original id, body and place in its conversation's order.</summary>
    Task<ReplayOutcome> Replay(Guid id, string operatorId, CancellationToken ct);

    /// <summary>Replays every delivery that failed at or after <paramref name="since"/>, in their original order; returns how many.</summary>
    Task<int> ReplayFailedSince(DateTimeOffset since, string operatorId, CancellationToken ct);
}
