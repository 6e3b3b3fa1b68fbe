using System.Collections.Concurrent;
using Marten;
using Npgsql;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Handoff.Timeouts.Scheduling;

/// <summary><paramref name="TraceParent"/> is the trace that armed the timer; its firing links back to it.
/// <paramref name="SendNow"/> marks a send the saga made (due at once, and part of the armer's trace), not a timer.</summary>
public sealed record ScheduledMessageRow(
    Guid TokenId, DateTimeOffset DueAt, Uri Destination, string MessageType, string Body, string? TraceParent = null, bool SendNow = false);

/// <summary>
/// Scheduled messages as rows of <c>{schema}.scheduled_messages</c>. Due rows are claimed for a while with
/// <c>FOR UPDATE SKIP LOCKED</c>, so any number of instances can poll the same table and each row goes out once
/// (at least once if an instance dies between the send and the delete).
/// </summary>
public sealed class ScheduledMessageStore(NpgsqlDataSource dataSource, string schema)
{
    private readonly string _table = $"\"{schema.Replace("\"", "\"\"")}\".scheduled_messages";

    /// <summary>
    /// Queues the inserts and deletes in <paramref name="session"/>, so that they commit with whatever else it saves
    /// (the saga that armed the timers).
    /// </summary>
    public void Enlist(IDocumentSession session, IEnumerable<ScheduledMessageRow> added, IEnumerable<Guid> removed)
    {
        var remove = removed.ToArray();
        if (remove.Length > 0)
            session.QueueSqlCommand($"delete from {_table} where token_id = any(?)", remove);
        foreach (var row in added)
            session.QueueSqlCommand(
                $"insert into {_table} (token_id, due_at, destination, message_type, body, trace_parent, send_now) values (?, ?, ?, ?, ?::jsonb, ?, ?) on conflict (token_id) do nothing",
                row.TokenId, row.DueAt, row.Destination.ToString(), row.MessageType, row.Body, (object?)row.TraceParent ?? DBNull.Value, row.SendNow);
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due rows for <paramref name="lease"/>, hands each to
    /// <paramref name="dispatch"/>, deletes the ones it took and releases the others. Returns how many were due.
    /// </summary>
    /// <remarks>
    /// The claim commits before anything is sent. A transaction held open across the sends (a row lock until the
    /// broker confirms) lasted as long as a broker outage, and Marten's event-store daemons in the same database (in
    /// Conversations and Outbound) hold their projections behind any transaction that was open when a sequence gap
    /// appeared: a broker restart seen by Timeouts stalled Conversations' event publishing.
    /// </remarks>
    public async Task<int> DispatchDue(DateTimeOffset now, int limit, TimeSpan lease, Func<ScheduledMessageRow, Task> dispatch,
        CancellationToken cancellationToken)
    {
        var due = new List<ScheduledMessageRow>();
        await using (var claim = dataSource.CreateCommand(
            $"""
             update {_table} set claimed_until = $3 where token_id in (
                 select token_id from {_table} where due_at <= $1 and (claimed_until is null or claimed_until <= $1)
                 order by due_at limit $2 for update skip locked)
             returning token_id, due_at, destination, message_type, body::text, trace_parent, send_now
             """))
        {
            claim.Parameters.AddWithValue(now);
            claim.Parameters.AddWithValue(limit);
            claim.Parameters.AddWithValue(now + lease);
            // Not cancelled half way: a claim made but never read would hold its rows until the lease runs out.
            await using var reader = await claim.ExecuteReaderAsync(CancellationToken.None);
            while (await reader.ReadAsync(CancellationToken.None))
                due.Add(new(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), new Uri(reader.GetString(2)), reader.GetString(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetBoolean(6)));
        }

        if (due.Count == 0) return 0;

        // The batch goes out concurrently: one send at a time waits a broker confirm each, which made a burst of due
        // timers (thousands of conversations opened together) fire many seconds late.
        var done = new ConcurrentBag<Guid>();
        try
        {
            await Task.WhenAll(due.OrderBy(row => row.DueAt).Select(async row =>
            {
                await dispatch(row);
                done.Add(row.TokenId);
            }));
        }
        finally
        {
            // What went out is deleted even when another send failed; what did not is released for the next poll. Should
            // this instance die first, the claim runs out and another instance sends the rows again (at least once).
            // Only rows this claim still holds: had it run out and another instance taken a row, that one's claim stands.
            var claimedUntil = now + lease;
            await using var settle = dataSource.CreateBatch();
            settle.BatchCommands.Add(new NpgsqlBatchCommand($"delete from {_table} where token_id = any($1) and claimed_until = $2")
                { Parameters = { new() { Value = done.ToArray() }, new() { Value = claimedUntil } } });
            settle.BatchCommands.Add(new NpgsqlBatchCommand($"update {_table} set claimed_until = null where token_id = any($1) and claimed_until = $2")
                { Parameters = { new() { Value = due.Select(row => row.TokenId).Except(done).ToArray() }, new() { Value = claimedUntil } } });
            await settle.ExecuteNonQueryAsync(CancellationToken.None);
        }
        return due.Count;
    }

    /// <summary>
    /// The table, declared to Marten (StoreOptions.Storage.ExtendedSchemaObjects) so that start-up migrations and the
    /// <c>db-apply</c> / <c>db-assert</c> commands cover it like the saga documents.
    /// </summary>
    public static Table Table(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, "scheduled_messages", SchemaUtils.IdentifierUsage.General));
        table.AddColumn<Guid>("token_id").AsPrimaryKey();
        table.AddColumn("due_at", "timestamptz").NotNull();
        table.AddColumn<string>("destination").NotNull();
        table.AddColumn<string>("message_type").NotNull();
        table.AddColumn("body", "jsonb").NotNull();
        table.AddColumn("trace_parent", "text");
        table.AddColumn("send_now", "boolean").NotNull().DefaultValueByExpression("false");
        // Set while an instance sends the row; a claim that runs out (the instance died) lets another send it.
        table.AddColumn("claimed_until", "timestamptz");
        table.Indexes.Add(new IndexDefinition("scheduled_messages_due_at") { Columns = ["due_at"] });
        return table;
    }
}
