using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Handoff.Contracts;
using Handoff.Testing;
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

    private async Task<int> CloseServiceConnections()
    {
        var management = env.Infrastructure.RabbitMqManagement;
        using var http = new HttpClient { BaseAddress = new UriBuilder(management) { UserName = "", Password = "" }.Uri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(management.UserInfo))));
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
