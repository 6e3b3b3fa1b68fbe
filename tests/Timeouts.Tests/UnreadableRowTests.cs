using Handoff.Testing;
using Handoff.Timeouts.IdleTimeouts;
using Npgsql;

namespace Handoff.Timeouts.Tests;

public class UnreadableRowTests(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    // Left in place, a row no build can read would be claimed first in every poll, forever; a batch of them would hold
    // back every timer behind it.
    [Fact]
    public async Task A_due_row_whose_body_cannot_be_read_is_dropped()
    {
        await using var host = await TimeoutsHost.StartAsync(env, TimeSpan.FromSeconds(3));
        var token = Guid.NewGuid();
        await Sql($"""
                   insert into "{env.Schema("timeouts")}".scheduled_messages (token_id, due_at, destination, message_type, body)
                   values ($1, now(), 'queue:timeouts-conversation', $2, '{"{"}"CorrelationId": "not a guid"{"}"}')
                   """, token, $"{typeof(IdleTimeoutElapsed).FullName}, {typeof(IdleTimeoutElapsed).Assembly.GetName().Name}");

        await Eventually.True(async () => await Sql($"""select count(*) from "{env.Schema("timeouts")}".scheduled_messages where token_id = $1""", token) == 0,
            because: "the unreadable row is dropped");
    }

    private async Task<long> Sql(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(env.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
            command.Parameters.AddWithValue(parameter);
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L);
    }
}
