using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Handoff.Contracts;
using Handoff.Testing;
using Npgsql;
using static Handoff.Timeouts.Tests.IdleTimeoutTests;

namespace Handoff.Timeouts.Tests;

public class BrokerConnectionTests(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(4);

    // The broker is shared by everyone on this machine and is not restarted here; cutting every connection the
    // service holds is what a restart looks like from the service's side.
    [Fact]
    public async Task Timers_pending_when_the_broker_drops_the_service_still_close_each_conversation_once()
    {
        await using var inbox = await CommandInbox.OpenAsync(env);
        await using var host = await TimeoutsHost.StartAsync(env, Idle);
        var conversations = Enumerable.Range(0, 20).Select(_ => NewConversationId()).ToList();
        var at = Now();
        foreach (var conversation in conversations)
            await host.Publish(new HandoffRequested(conversation, 1, "bot-1", at));

        var cut = await CloseServiceConnections();
        Assert.True(cut > 0, "the service's connections were found and closed");

        await Eventually.True(() => conversations.All(c => inbox.For(c).Count > 0), TimeSpan.FromSeconds(60), "every conversation is closed");
        var marker = NewConversationId();
        await host.Publish(new HandoffRequested(marker, 1, "bot-1", Now().AddMilliseconds(500)));
        await inbox.First(marker, TimeSpan.FromSeconds(20));
        Assert.All(conversations, c => Assert.Equal(new CloseIdleConversationV2(c, 1, at + Idle, 0), Assert.Single(inbox.For(c)).Command));
    }

    // Before due timers were claimed in a transaction of their own, the claim's row locks were held until the broker took
    // the send: through a whole outage. Marten's daemons in Conversations and Outbound (same database) hold their
    // projections behind such a transaction, so a broker outage seen by Timeouts stalled Conversations' publishing.
    [Fact]
    public async Task While_the_broker_is_away_no_database_transaction_waits_on_it_and_every_timer_fires_once_it_is_back()
    {
        var application = $"timeouts-{Guid.NewGuid():N}"[..24];
        await using var inbox = await CommandInbox.OpenAsync(env);
        await using var host = await TimeoutsHost.StartAsync(env, Idle, new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = $"{env.PostgresConnectionString};Application Name={application}",
            ["Handoff:Scheduler:SendTimeout"] = "00:00:02",
        });
        var conversations = Enumerable.Range(0, 5).Select(_ => NewConversationId()).ToList();
        var at = Now();
        foreach (var conversation in conversations)
            await host.Publish(new HandoffRequested(conversation, 1, "bot-1", at));
        await Eventually.True(async () => await env.ScheduledMessages() == conversations.Count, because: "the timers are armed");

        using var http = env.ManagementClient();
        (await http.PutAsJsonAsync($"api/vhost-limits/{env.VirtualHost}/max-connections", new { value = 0 })).EnsureSuccessStatusCode();
        try
        {
            await CloseServiceConnections();
            // The timers fall due during the outage, and the scheduler keeps trying to send them (a 2 s send timeout, so
            // several rounds by the end of the window). Not a wait for a condition: a property held over the whole window,
            // so it is sampled, every 100 ms, until the window ends.
            var longest = TimeSpan.Zero;
            var until = at + Idle + TimeSpan.FromSeconds(6);
            using var sampling = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            do longest = Max(longest, await LongestOpenTransaction(application));
            while (DateTimeOffset.UtcNow < until && await sampling.WaitForNextTickAsync());
            Assert.True(longest < TimeSpan.FromSeconds(1.5), $"a transaction of the service stayed open {longest} while the broker was away");
            Assert.Empty(conversations.SelectMany(inbox.For));
        }
        finally
        {
            await http.DeleteAsync($"api/vhost-limits/{env.VirtualHost}/max-connections");
        }

        await Eventually.True(() => conversations.All(c => inbox.For(c).Count > 0), TimeSpan.FromSeconds(60), "every conversation is closed");
        await Eventually.True(async () => await env.ScheduledMessages() == 0, because: "every fired timer is deleted");
        Assert.All(conversations, c => Assert.Single(inbox.For(c)));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private async Task<TimeSpan> LongestOpenTransaction(string application)
    {
        await using var connection = new NpgsqlConnection(env.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select coalesce(max(extract(epoch from clock_timestamp() - xact_start)), 0)::float8 from pg_stat_activity where application_name = $1 and xact_start is not null",
            connection);
        command.Parameters.AddWithValue(application);
        return TimeSpan.FromSeconds((double)(await command.ExecuteScalarAsync())!);
    }

    private async Task<int> CloseServiceConnections()
    {
        using var http = env.ManagementClient();
        // The management API learns of new connections with a short delay.
        var connections = await Eventually.Get(async () =>
        {
            var all = (await http.GetFromJsonAsync<JsonArray>($"api/vhosts/{env.VirtualHost}/connections"))!;
            var service = all.Where(c => (string?)c!["client_properties"]?["connection_name"] != CommandInbox.InboxConnectionName).ToList();
            return service.Count > 0 ? service : null;
        }, TimeSpan.FromSeconds(15), "the service's connections are listed");
        foreach (var connection in connections)
            (await http.DeleteAsync($"api/connections/{Uri.EscapeDataString((string)connection!["name"]!)}")).EnsureSuccessStatusCode();
        return connections.Count;
    }
}
