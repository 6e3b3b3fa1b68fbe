using Handoff.Contracts;
using Handoff.Testing;
using Npgsql;

namespace Handoff.Timeouts.Tests;

public class RestartTests(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_timer_armed_before_a_restart_fires_after_it()
    {
        await using var inbox = await CommandInbox.OpenAsync(env);
        var conversation = IdleTimeoutTests.NewConversationId();
        var at = IdleTimeoutTests.Now();

        await using (var before = await TimeoutsHost.StartAsync(env, Idle))
        {
            await before.Publish(new HandoffRequested(conversation, 1, "bot-1", at));
            // Armed means the saga's handling of the event is complete: its timer rows are written before the saga.
            // (A stop in the middle of that handling is a different case: see the Timeouts issue's notes.)
            await Eventually.True(async () => await ScheduledTimers() > 0 && await Count("mt_doc_conversationtimeout") > 0,
                because: "the timer and its saga are stored");
        }
        Assert.Empty(inbox.For(conversation));

        await using var after = await TimeoutsHost.StartAsync(env, Idle);

        var (command, _) = await inbox.First(conversation);
        Assert.Equal(new CloseIdleConversationV2(conversation, 1, at + Idle, 0), command);
        await Eventually.True(async () => await ScheduledTimers() == 0, because: "the fired timer is removed");
        Assert.Single(inbox.For(conversation));
    }

    private Task<long> ScheduledTimers() => Count("scheduled_messages");

    private async Task<long> Count(string table)
    {
        await using var connection = new NpgsqlConnection(env.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from \"{env.Schema("timeouts")}\".{table}", connection);
        try
        {
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }
}
