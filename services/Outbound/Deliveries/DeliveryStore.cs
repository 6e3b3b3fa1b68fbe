using System.Data;
using Handoff.Outbound.AltaBots;
using Handoff.Outbound.Operations;
using Handoff.ServiceDefaults;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Handoff.Outbound.Deliveries;

/// <summary><paramref name="TraceParent"/> is the trace the message arrived in; every attempt continues it.</summary>
public sealed record NewDelivery(
    Guid Id, string ConversationId, DeliveryKind Kind, int Session, long? Sequence, string Path, string Body, DateTimeOffset DecidedAt,
    string? TraceParent = null);

/// <summary>The first pending message of a claimed conversation. <paramref name="Elapsed"/> counts from its queueing or last replay.</summary>
public sealed record PendingDelivery(
    Guid Id, string ConversationId, DeliveryKind Kind, int Session, long? Sequence, string Path, string Body, DateTimeOffset DecidedAt,
    int Attempts, TimeSpan Elapsed, string? TraceParent = null);

/// <summary>A conversation this instance holds the lease on; <paramref name="Head"/> is null when nothing was pending after all.</summary>
public sealed record ClaimedLane(string ConversationId, Guid Lease, PendingDelivery? Head);

/// <summary>What <see cref="DeliveryStore.Record"/> wrote, for metrics; null when the lease had been lost.</summary>
public sealed record RecordedOutcome(int Revision, int Attempts, DateTimeOffset? NextAttemptAt);

/// <summary>
/// The durable delivery queue in PostgreSQL (<see cref="DeliverySchema"/>). Every time is the database's clock, so instances
/// with skewed clocks agree on what is due. Each state change also appends an event to Outbound's Marten store in the same
/// transaction; the status publisher takes them from there to the broker, never by a second write.
/// </summary>
public sealed class DeliveryStore(NpgsqlDataSource db, IDocumentStore store, string schema) : IDeliveryOperations
{
    private readonly string _deliveries = Quote(schema) + "." + DeliverySchema.Deliveries;
    private readonly string _lanes = Quote(schema) + "." + DeliverySchema.Lanes;

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    /// <summary>
    /// Queues a message behind its conversation's earlier ones, in one statement. Returns false for an id seen before
    /// (a redelivered event), which changes nothing. A conversation with nothing pending becomes due at once; one with
    /// a message in flight or waiting for a retry keeps its time.
    /// </summary>
    public async Task<bool> Enqueue(NewDelivery delivery, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            with inserted as (
                insert into {_deliveries} (id, conversation_id, kind, session, sequence, path, body, decided_at, trace_parent)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                on conflict (id) do nothing
                returning conversation_id)
            insert into {_lanes} (conversation_id, due_at) select conversation_id, now() from inserted
            on conflict (conversation_id) do update set due_at = coalesce({_lanes}.due_at, excluded.due_at)
            """);
        command.Parameters.AddWithValue(delivery.Id);
        command.Parameters.AddWithValue(delivery.ConversationId);
        command.Parameters.AddWithValue(Kind(delivery.Kind));
        command.Parameters.AddWithValue(delivery.Session);
        command.Parameters.AddWithValue(NpgsqlDbType.Bigint, (object?)delivery.Sequence ?? DBNull.Value);
        command.Parameters.AddWithValue(delivery.Path);
        command.Parameters.AddWithValue(delivery.Body);
        command.Parameters.AddWithValue(delivery.DecidedAt);
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)delivery.TraceParent ?? DBNull.Value);
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> due conversations, earliest due first, with a lease of <paramref name="lease"/>, and
    /// returns each with its first pending message. SKIP LOCKED lets instances claim side by side without waiting on each other.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedLane>> Claim(int max, TimeSpan lease, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            with due as (
                select conversation_id from {_lanes} where due_at <= now() order by due_at limit $1 for update skip locked),
            claimed as (
                update {_lanes} l set due_at = now() + $2, lease = gen_random_uuid()
                from due where l.conversation_id = due.conversation_id
                returning l.conversation_id, l.lease)
            select c.conversation_id, c.lease, d.id, d.kind, d.session, d.sequence, d.path, d.body, d.decided_at, d.attempts, now() - d.since, d.trace_parent
            from claimed c left join lateral (
                select * from {_deliveries} d where d.conversation_id = c.conversation_id and d.status = 'pending'
                order by d.position limit 1) d on true
            """);
        command.Parameters.AddWithValue(max);
        command.Parameters.AddWithValue(lease);
        var claimed = new List<ClaimedLane>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var conversationId = reader.GetString(0);
            var head = reader.IsDBNull(2) ? null : new PendingDelivery(
                reader.GetGuid(2), conversationId, ParseKind(reader.GetString(3)), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.GetString(6), reader.GetString(7),
                reader.GetFieldValue<DateTimeOffset>(8), reader.GetInt32(9), reader.GetFieldValue<TimeSpan>(10),
                reader.IsDBNull(11) ? null : reader.GetString(11));
            claimed.Add(new ClaimedLane(conversationId, reader.GetGuid(1), head));
        }
        return claimed;
    }

    /// <summary>How long until the next conversation is due (zero if one is), or null when nothing is pending anywhere.</summary>
    public async Task<TimeSpan?> NextDue(CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select greatest(min(due_at) - now(), interval '0') from {_lanes} where due_at is not null");
        return await command.ExecuteScalarAsync(ct) is TimeSpan wait ? wait : null;
    }

    /// <summary>
    /// Records an attempt's outcome, hands the conversation back with its next due time, and appends the status event, in one
    /// transaction. Returns null, writing nothing, when this instance no longer holds the lease (it ran out and another
    /// instance took the conversation: that one decides now).
    /// </summary>
    public async Task<RecordedOutcome?> Record(ClaimedLane lane, PendingDelivery head, NextStep step, DeliveryResult result, CancellationToken ct)
    {
        var (status, wait, failure) = step switch
        {
            NextStep.Delivered => ("delivered", TimeSpan.Zero, null),
            NextStep.RetryAfter retry => ("pending", retry.Wait, result.Description),
            NextStep.GiveUp giveUp => ("failed", TimeSpan.Zero, giveUp.Reason),
            _ => throw new ArgumentOutOfRangeException(nameof(step)),
        };

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        if (!await Lock(connection, transaction, lane, ct)) return null;

        RecordedOutcome outcome;
        await using (var update = new NpgsqlCommand($"""
            update {_deliveries} set
                status = $2, attempts = attempts + 1, revision = revision + 1, last_status_code = $3, failure = $4,
                next_attempt_at = case when $2 = 'pending' then now() + $5 end,
                delivered_at = case when $2 = 'delivered' then now() end,
                failed_at = case when $2 = 'failed' then now() end
            where id = $1 and status = 'pending'
            returning revision, attempts, next_attempt_at
            """, connection, transaction))
        {
            update.Parameters.AddWithValue(head.Id);
            update.Parameters.AddWithValue(status);
            update.Parameters.AddWithValue(NpgsqlDbType.Integer, (object?)result.StatusCode ?? DBNull.Value);
            update.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)failure ?? DBNull.Value);
            update.Parameters.AddWithValue(wait);
            await using var reader = await update.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return null; // replayed or recorded meanwhile: nothing of ours to write
            outcome = new RecordedOutcome(reader.GetInt32(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
        }

        await Reschedule(connection, transaction, lane.ConversationId, lane.Lease, ct);
        object @event = step switch
        {
            NextStep.Delivered => new DeliverySucceeded(head.Id, head.ConversationId, head.Session, head.Sequence, outcome.Revision,
                outcome.Attempts, result.StatusCode ?? 200),
            NextStep.RetryAfter => new DeliveryAttemptFailed(head.Id, head.ConversationId, head.Session, head.Sequence, outcome.Revision,
                outcome.Attempts, result.StatusCode, failure!, outcome.NextAttemptAt!.Value),
            _ => new DeliveryGaveUp(head.Id, head.ConversationId, head.Session, head.Sequence, outcome.Revision, outcome.Attempts,
                result.StatusCode, failure!),
        };
        await AppendAndCommit(transaction, head.Id, [@event], ct);
        return outcome;
    }

    /// <summary>Hands back a claimed conversation without an attempt (nothing was pending, or this instance is stopping).</summary>
    public async Task Release(ClaimedLane lane, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        if (await Lock(connection, transaction, lane, ct))
            await Reschedule(connection, transaction, lane.ConversationId, lane.Lease, ct);
        await transaction.CommitAsync(ct);
    }

    // Lock the lane first, in its own statement: under READ COMMITTED the statements after it then see every message
    // queued for the conversation before the lock was granted, so a message queued while this attempt was in flight is
    // never missed when the next due time is worked out.
    private async Task<bool> Lock(NpgsqlConnection connection, NpgsqlTransaction transaction, ClaimedLane lane, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select lease = $2 from {_lanes} where conversation_id = $1 for update", connection, transaction);
        command.Parameters.AddWithValue(lane.ConversationId);
        command.Parameters.AddWithValue(lane.Lease);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>The conversation is due when its first pending message is (never, with none), and no longer leased.</summary>
    private async Task Reschedule(NpgsqlConnection connection, NpgsqlTransaction transaction, string conversationId, Guid? lease, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            update {_lanes} set lease = null, due_at = (
                select next_attempt_at from {_deliveries} where conversation_id = $1 and status = 'pending' order by position limit 1)
            where conversation_id = $1 and lease is not distinct from $2
            """, connection, transaction);
        command.Parameters.AddWithValue(conversationId);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)lease ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task AppendAndCommit(NpgsqlTransaction transaction, Guid deliveryId, IEnumerable<object> events, CancellationToken ct) =>
        await AppendAndCommit(transaction, events.Select(e => (deliveryId, e)), ct);

    private async Task AppendAndCommit(NpgsqlTransaction transaction, IEnumerable<(Guid DeliveryId, object Event)> events, CancellationToken ct)
    {
        await using (var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction)))
        {
            // The status publisher runs in the background: the header lets it continue the attempt's trace.
            if (TraceContext.Current is { } trace) session.SetHeader(TraceContext.Header, trace);
            foreach (var (deliveryId, e) in events) session.Events.Append(deliveryId, e);
            await session.SaveChangesAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    public async Task<long> Backlog(CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select count(*) from {_deliveries} where status = 'pending'");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Housekeeping: forgets delivered messages older than <paramref name="retention"/> and conversations with nothing pending,
    /// and makes due any conversation whose pending messages have no due time (which a correct run never leaves behind).
    /// Returns how many such conversations it had to repair.
    /// </summary>
    public async Task<int> Tidy(TimeSpan retention, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new($"delete from {_deliveries} where status = 'delivered' and delivered_at < now() - $1") { Parameters = { new() { Value = retention } } });
        batch.BatchCommands.Add(new($"delete from {_lanes} where due_at is null and lease is null"));
        batch.BatchCommands.Add(new($"""
            insert into {_lanes} (conversation_id, due_at)
            select distinct conversation_id, now() from {_deliveries} d where status = 'pending'
            on conflict (conversation_id) do update set due_at = now() where {_lanes}.due_at is null
            """));
        await batch.ExecuteNonQueryAsync(ct);
        return batch.BatchCommands[2].RecordsAffected;
    }

    // ---- Operators ----

    private const string RecordColumns =
        "id, conversation_id, kind, session, sequence, status, attempts, queued_at, next_attempt_at, delivered_at, failed_at, last_status_code, failure";

    public async Task<IReadOnlyList<DeliveryRecord>> List(DeliveryStatus status, DateTimeOffset? since, int offset, int limit, CancellationToken ct)
    {
        var (timeColumn, order) = status switch
        {
            DeliveryStatus.Failed => ("failed_at", "position"),
            DeliveryStatus.Delivered => ("delivered_at", "position"),
            _ => ("queued_at", "position"),
        };
        await using var command = db.CreateCommand($"""
            select {RecordColumns} from {_deliveries}
            where status = $1 and ($2::timestamptz is null or {timeColumn} >= $2)
            order by {order} offset $3 limit $4
            """);
        command.Parameters.AddWithValue(Status(status));
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)since ?? DBNull.Value);
        command.Parameters.AddWithValue(offset);
        command.Parameters.AddWithValue(limit);
        return await ReadRecords(command, ct);
    }

    public async Task<DeliveryRecord?> Get(Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select {RecordColumns} from {_deliveries} where id = $1");
        command.Parameters.AddWithValue(id);
        return (await ReadRecords(command, ct)).SingleOrDefault();
    }

    public async Task<ReplayOutcome> Replay(Guid id, string operatorId, CancellationToken ct)
    {
        var replayed = await ReplayWhere("id = $1", id, operatorId, ct);
        if (replayed > 0) return ReplayOutcome.Replayed;
        return await Get(id, ct) is null ? ReplayOutcome.NotFound : ReplayOutcome.NotFailed;
    }

    public Task<int> ReplayFailedSince(DateTimeOffset since, string operatorId, CancellationToken ct) =>
        ReplayWhere("failed_at >= $1", since, operatorId, ct);

    /// <summary>
    /// A replayed message keeps its id, body and position: it goes back to pending with a fresh schedule and horizon, and, as
    /// the oldest pending message of its conversation, goes before anything queued after it.
    /// </summary>
    private async Task<int> ReplayWhere(string condition, object argument, string operatorId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var replayed = new List<DeliveryReplayed>();
        await using (var update = new NpgsqlCommand($"""
            update {_deliveries} set status = 'pending', attempts = 0, revision = revision + 1, since = now(), next_attempt_at = now(), failed_at = null
            where status = 'failed' and {condition}
            returning id, conversation_id, session, sequence, revision, position
            """, connection, transaction))
        {
            update.Parameters.AddWithValue(argument);
            await using var reader = await update.ExecuteReaderAsync(ct);
            var rows = new List<(long Position, DeliveryReplayed Event)>();
            while (await reader.ReadAsync(ct))
                rows.Add((reader.GetInt64(5), new DeliveryReplayed(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2),
                    reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.GetInt32(4), operatorId)));
            replayed.AddRange(rows.OrderBy(r => r.Position).Select(r => r.Event));
        }
        if (replayed.Count == 0)
        {
            await transaction.RollbackAsync(ct);
            return 0;
        }

        var conversations = replayed.Select(r => r.ConversationId).Distinct().Order(StringComparer.Ordinal).ToArray();
        await using (var lanes = new NpgsqlCommand($"""
            insert into {_lanes} (conversation_id) select unnest($1::text[]) on conflict do nothing;
            """, connection, transaction))
        {
            lanes.Parameters.AddWithValue(conversations);
            await lanes.ExecuteNonQueryAsync(ct);
        }
        // Same order as the lock taken one lane at a time elsewhere; a lane in flight is left to its holder, which works out
        // its next due time (now the replayed message's) when it records its attempt.
        await using (var lockLanes = new NpgsqlCommand(
            $"select conversation_id from {_lanes} where conversation_id = any($1) order by conversation_id for update", connection, transaction))
        {
            lockLanes.Parameters.AddWithValue(conversations);
            await lockLanes.ExecuteNonQueryAsync(ct);
        }
        await using (var due = new NpgsqlCommand($"""
            update {_lanes} l set due_at = (
                select next_attempt_at from {_deliveries} d where d.conversation_id = l.conversation_id and d.status = 'pending'
                order by position limit 1)
            where conversation_id = any($1) and lease is null
            """, connection, transaction))
        {
            due.Parameters.AddWithValue(conversations);
            await due.ExecuteNonQueryAsync(ct);
        }
        await AppendAndCommit(transaction, replayed.Select(r => (r.DeliveryId, (object)r)), ct);
        return replayed.Count;
    }

    private static async Task<IReadOnlyList<DeliveryRecord>> ReadRecords(NpgsqlCommand command, CancellationToken ct)
    {
        var records = new List<DeliveryRecord>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            records.Add(new DeliveryRecord(
                reader.GetGuid(0), reader.GetString(1), ParseKind(reader.GetString(2)), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetInt64(4), ParseStatus(reader.GetString(5)), reader.GetInt32(6),
                reader.GetFieldValue<DateTimeOffset>(7), Time(reader, 8), Time(reader, 9), Time(reader, 10),
                reader.IsDBNull(11) ? null : reader.GetInt32(11), reader.IsDBNull(12) ? null : reader.GetString(12)));
        return records;
    }

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    private static string Kind(DeliveryKind kind) => kind == DeliveryKind.Close ? "close" : "message";

    private static DeliveryKind ParseKind(string kind) => kind == "close" ? DeliveryKind.Close : DeliveryKind.Message;

    private static string Status(DeliveryStatus status) => status.ToString().ToLowerInvariant();

    private static DeliveryStatus ParseStatus(string status) => status switch
    {
        "delivered" => DeliveryStatus.Delivered,
        "failed" => DeliveryStatus.Failed,
        _ => DeliveryStatus.Pending,
    };
}
