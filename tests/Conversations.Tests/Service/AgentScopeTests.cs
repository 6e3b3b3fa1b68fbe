using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Handoff.Contracts;
using Handoff.ServiceDefaults;
using Handoff.Testing;
using static Handoff.Conversations.Tests.Service.ConversationsService;

namespace Handoff.Conversations.Tests.Service;

/// <summary>Conversations where agent carol is configured to serve bot-2, beside any bots in her token.</summary>
public sealed class ScopedConversationsService : ConversationsService
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("Auth:AgentBots:carol:0", "bot-2")];
}

public sealed class AgentScopeTests(ScopedConversationsService service) : IClassFixture<ScopedConversationsService>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1742265090895);

    private async Task<string> Established(string botId)
    {
        var id = NewId();
        await service.Send(new EstablishConversation(id, botId, T0, null, new UserInfo(null, null, null, null), []));
        await service.ViewWhen(id, v => v.GetProperty("status").GetString() == "waiting", "the handoff shows as waiting");
        return id;
    }

    private static string Path(string id, string rest = "") => $"/api/conversations/{Uri.EscapeDataString(id)}{rest}";

    private static async Task<string[]> ListedIds(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/conversations?pageSize=200"))
            .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToArray();

    [Fact]
    public async Task An_agent_sees_only_the_conversations_of_their_bots()
    {
        var mine = await Established("bot-1");
        var theirs = await Established("bot-2");
        using var alice = service.Agent("alice", DevToken.Agent, "bot-1");

        var listed = await ListedIds(alice);

        Assert.Contains(mine, listed);
        Assert.DoesNotContain(theirs, listed);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync(Path(mine))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync(Path(theirs))).StatusCode);
    }

    [Fact]
    public async Task Another_bots_conversation_is_answered_404_like_a_missing_one_and_nothing_changes()
    {
        var theirs = await Established("bot-2");
        using var alice = service.Agent("alice", DevToken.Agent, "bot-1");
        using var supervisor = service.Agent("sue");
        var before = await supervisor.GetStringAsync(Path(theirs));
        var missing = await alice.GetAsync(Path(NewId()));

        HttpResponseMessage[] attempts =
        [
            await alice.GetAsync(Path(theirs)),
            await alice.PostAsJsonAsync(Path(theirs, "/messages"), new { text = "hello from the wrong team" }),
            await alice.PostAsJsonAsync(Path(theirs, "/assign"), new { agentId = "alice" }),
            await alice.PostAsync(Path(theirs, "/close"), null),
        ];

        foreach (var response in attempts)
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(await missing.Content.ReadAsStringAsync(), await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(before, await supervisor.GetStringAsync(Path(theirs)));
    }

    [Fact]
    public async Task A_supervisor_sees_and_acts_on_every_bots_conversations()
    {
        var one = await Established("bot-1");
        var two = await Established("bot-2");
        using var sue = service.Agent("sue");

        var listed = await ListedIds(sue);

        Assert.Contains(one, listed);
        Assert.Contains(two, listed);
        Assert.Equal(HttpStatusCode.Accepted, (await sue.PostAsJsonAsync(Path(two, "/messages"), new { text = "On it." })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sue.PostAsJsonAsync(Path(one, "/assign"), new { agentId = "alice" })).StatusCode);
    }

    [Fact]
    public async Task Bots_configured_for_an_agent_add_to_those_in_the_token()
    {
        var one = await Established("bot-1");
        var two = await Established("bot-2");
        using var carol = service.Agent("carol", DevToken.Agent, "bot-1");

        var listed = await ListedIds(carol);

        Assert.Contains(one, listed);
        Assert.Contains(two, listed);
        Assert.Equal(HttpStatusCode.Accepted, (await carol.PostAsJsonAsync(Path(two, "/messages"), new { text = "Hi!" })).StatusCode);
    }

    [Fact]
    public async Task An_agent_may_assign_a_conversation_only_to_themselves()
    {
        var id = await Established("bot-1");
        using var alice = service.Agent("alice", DevToken.Agent, "bot-1");

        var toBob = await alice.PostAsJsonAsync(Path(id, "/assign"), new { agentId = "bob" });
        var toSelf = await alice.PostAsJsonAsync(Path(id, "/assign"), new { agentId = "alice" });

        Assert.Equal(HttpStatusCode.Forbidden, toBob.StatusCode);
        Assert.Equal("forbidden", (await toBob.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, toSelf.StatusCode);
    }

    [Fact]
    public async Task No_token_a_forged_one_or_one_without_a_role_is_refused_in_the_error_shape()
    {
        using var anonymous = service.Factory.CreateClient();
        using var forged = service.Factory.CreateClient();
        forged.DefaultRequestHeaders.Authorization = new("Bearer", DevToken.Create("mallory", signingKey: new string('k', 48)));
        using var roleless = service.Agent("rolf", role: null);

        (HttpClient Client, HttpStatusCode Status, string Code)[] cases =
        [
            (anonymous, HttpStatusCode.Unauthorized, "unauthorized"),
            (forged, HttpStatusCode.Unauthorized, "unauthorized"),
            (roleless, HttpStatusCode.Forbidden, "forbidden"),
        ];
        foreach (var (client, status, code) in cases)
        {
            var response = await client.GetAsync("/api/conversations");
            Assert.Equal(status, response.StatusCode);
            var error = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(code, error.GetProperty("code").GetString());
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        }
    }
}

public sealed class AuthOptionsTests
{
    private static bool Valid(AuthOptions options) =>
        System.ComponentModel.DataAnnotations.Validator.TryValidateObject(
            options, new System.ComponentModel.DataAnnotations.ValidationContext(options), null, validateAllProperties: true);

    [Fact]
    public void Either_an_identity_provider_or_a_development_key_of_32_characters_is_required()
    {
        Assert.False(Valid(new AuthOptions()));
        Assert.False(Valid(new AuthOptions { SigningKey = "too-short" }));
        Assert.True(Valid(new AuthOptions { SigningKey = new string('k', 32) }));
        Assert.True(Valid(new AuthOptions { Authority = "https://login.example.com/realms/support" }));
        Assert.False(Valid(new AuthOptions { Authority = "http://login.example.com/realms/support" }));
        Assert.False(Valid(new AuthOptions { Authority = "not a url" }));
    }
}
