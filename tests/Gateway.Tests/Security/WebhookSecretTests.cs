using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Handoff.Contracts;
using static Handoff.Gateway.Tests.Webhooks.Requests;

namespace Handoff.Gateway.Tests.Security;

public sealed class WebhookSecretTests(SecuredGateway host) : IClassFixture<SecuredGateway>
{
    private readonly HttpClient _client = host.Factory.CreateClient();

    public sealed record Reply(int Code, string Message);

    [Theory]
    [InlineData("/hooks/{0}/conversation/establish")]
    [InlineData("/hooks/{0}/human/service/conversation/establish")]
    [InlineData("/conversation/establish?secret={0}")]
    [InlineData("/human/service/conversation/establish?secret={0}")]
    public async Task A_webhook_carrying_the_secret_in_its_url_is_accepted(string path)
    {
        var id = NewConversationId();

        var response = await _client.PostJsonAsync(string.Format(path, SecuredGateway.NewSecret), Establish(id));

        Assert.Equal(new Reply(200, "success"), await response.Content.ReadFromJsonAsync<Reply>());
        await host.Commands.TakeUntilAsync<EstablishConversation>(id);
    }

    [Fact]
    public async Task A_webhook_carrying_the_secret_in_a_header_is_accepted()
    {
        var bearer = NewConversationId();
        var named = NewConversationId();

        var viaBearer = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = Json(Chat(bearer)) };
        viaBearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SecuredGateway.OldSecret);
        var viaHeader = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = Json(Chat(named)) };
        viaHeader.Headers.Add("X-Handoff-Webhook-Secret", SecuredGateway.NewSecret);

        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(viaBearer)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(viaHeader)).StatusCode);
        await host.Commands.TakeUntilAsync<PostUserMessage>(named);
    }

    [Fact]
    public async Task Both_secrets_of_a_rotation_are_accepted()
    {
        var first = NewConversationId();
        var second = NewConversationId();

        Assert.Equal(HttpStatusCode.OK, (await _client.PostJsonAsync($"/hooks/{SecuredGateway.OldSecret}/chat", Chat(first))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostJsonAsync($"/hooks/{SecuredGateway.NewSecret}/chat", Chat(second))).StatusCode);

        var (_, before) = await host.Commands.TakeUntilAsync<PostUserMessage>(second);
        Assert.Contains(before, c => c.ConversationId == first);
    }

    [Fact]
    public async Task A_webhook_without_a_valid_secret_gets_401_and_nothing_is_sent()
    {
        var id = NewConversationId();
        var almost = SecuredGateway.NewSecret[..^1] + "X";
        string[] paths =
        [
            "/conversation/establish",
            "/human/service/conversation/establish",
            $"/hooks/{almost}/conversation/establish",
            $"/hooks/{almost}/human/service/conversation/establish",
            $"/conversation/establish?secret={almost}",
            $"/conversation/establish?secret=",
        ];

        foreach (var path in paths)
        {
            var response = await _client.PostJsonAsync(path, Establish(id));
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal(new Reply(401, "webhook secret: missing or not valid"), await response.Content.ReadFromJsonAsync<Reply>());
            Assert.DoesNotContain(almost, body);
        }
        var wrongBearer = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = Json(Chat(id)) };
        wrongBearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", almost);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.SendAsync(wrongBearer)).StatusCode);

        var sentinel = NewConversationId();
        Assert.Equal(HttpStatusCode.OK, (await _client.PostJsonAsync($"/hooks/{SecuredGateway.NewSecret}/chat", Chat(sentinel))).StatusCode);
        var (_, before) = await host.Commands.TakeUntilAsync<PostUserMessage>(sentinel);
        Assert.DoesNotContain(before, c => c.ConversationId == id);
    }

    [Fact]
    public async Task Only_webhooks_are_served_under_the_secret_path()
    {
        var response = await _client.GetAsync($"/hooks/{SecuredGateway.NewSecret}/api/conversations");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(new Reply(404, "not found"), await response.Content.ReadFromJsonAsync<Reply>());
    }

    [Fact]
    public async Task Problems_are_reported_only_to_a_caller_with_the_secret()
    {
        // Without the secret, even a body that is not JSON only gets 401: nothing about our parsing leaks.
        var stranger = await _client.PostJsonAsync("/chat", "{not json");
        var member = await _client.PostJsonAsync($"/hooks/{SecuredGateway.NewSecret}/chat", "{not json");

        Assert.Equal(HttpStatusCode.Unauthorized, stranger.StatusCode);
        Assert.Equal(new Reply(400, "request body: is not valid JSON"), await member.Content.ReadFromJsonAsync<Reply>());
    }
}
