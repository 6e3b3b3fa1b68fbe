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
/// Scheduled messages as rows of <c>{schema}.scheduled_messages</c>. Rows are claimed with
/// <c>FOR UPDATE SKIP LOCKED</c>, so any number of instances can poll the same table and each row goes out once
/// (at least once if an instance dies between the send and the commit).
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

    /// <summary>Hands each due row to <paramref name="dispatch"/> and deletes the ones it took. Returns how many were due.</summary>
    public async Task<int> DispatchDue(DateTimeOffset now, int limit, Func<ScheduledMessageRow, Task> dispatch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var due = new List<ScheduledMessageRow>();
        await using (var select = new NpgsqlCommand(
            $"select token_id, due_at, destination, message_type, body::text, trace_parent, send_now from {_table} where due_at <= $1 order by due_at limit $2 for update skip locked",
            connection, transaction))
        {
            select.Parameters.AddWithValue(now);
            select.Parameters.AddWithValue(limit);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                due.Add(new(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), new Uri(reader.GetString(2)), reader.GetString(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetBoolean(6)));
        }

        // The batch goes out concurrently: one send at a time waits a broker confirm each, which made a burst of due
        // timers (thousands of conversations opened together) fire many seconds late.
        var done = new ConcurrentBag<Guid>();
        try
        {
            await Task.WhenAll(due.Select(async row =>
            {
                await dispatch(row);
                done.Add(row.TokenId);
            }));
        }
        finally
        {
            // Keep what went out deleted even when a later send fails; the rest stays for the next poll.
            if (done.Count > 0)
            {
                await using var delete = new NpgsqlCommand($"delete from {_table} where token_id = any($1)", connection, transaction);
                delete.Parameters.AddWithValue(done.ToArray());
                await delete.ExecuteNonQueryAsync(CancellationToken.None);
            }
            await transaction.CommitAsync(CancellationToken.None);
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
        table.Indexes.Add(new IndexDefinition("scheduled_messages_due_at") { Columns = ["due_at"] });
        return table;
    }
}
