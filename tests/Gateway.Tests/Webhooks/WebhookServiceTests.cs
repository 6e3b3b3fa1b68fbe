using Handoff.Testing;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Handoff.Contracts;
using static Handoff.Gateway.Tests.Webhooks.Requests;

namespace Handoff.Gateway.Tests.Webhooks;

public sealed class WebhookServiceTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    private readonly HttpClient _client = host.Factory.CreateClient();

    public sealed record Reply(int Code, string Message);

    [Theory]
    [InlineData("")]
    [InlineData("/human/service")]
    public async Task Establish_is_acknowledged_and_sent_to_conversations(string prefix)
    {
        var id = NewConversationId();

        var response = await _client.PostJsonAsync($"{prefix}/conversation/establish", Establish(id));

        await AssertSuccess(response);
        var (command, _) = await host.Commands.TakeUntilAsync<EstablishConversation>(id);
        Assert.Equal("665d88b03ce2b13cf2d573454", command.BotId);
        Assert.Equal(DateTimeOffset.Parse("2025-03-18T02:31:30.895Z"), command.Timestamp);
        Assert.Equal("bob@gmail.com", command.Email);
        Assert.Equal(new UserInfo("KDslas", "652face5184b30540a6ea7fe", "bob@gmail.com", null), command.User);
        Assert.Equal([new BotTurn(BotTurnKind.Question, "human service"), new BotTurn(BotTurnKind.Answer, "")], command.History);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/human/service")]
    public async Task Chat_is_acknowledged_and_sent_to_conversations(string prefix)
    {
        var id = NewConversationId();

        var response = await _client.PostJsonAsync($"{prefix}/chat", Chat(id, "Where is my order?"));

        await AssertSuccess(response);
        var (command, _) = await host.Commands.TakeUntilAsync<PostUserMessage>(id);
        Assert.Equal(new PostUserMessage(id, DateTimeOffset.FromUnixTimeMilliseconds(1742265091000), "Where is my order?"), command);
    }

    [Theory]
    [InlineData("", "USER_CLOSED", PlatformCloseType.UserClosed)]
    [InlineData("/human/service", "TIMEOUT", PlatformCloseType.Timeout)]
    public async Task Close_is_acknowledged_and_sent_to_conversations(string prefix, string type, PlatformCloseType expected)
    {
        var id = NewConversationId();

        var response = await _client.PostJsonAsync($"{prefix}/conversation/close", Close(id, type));

        await AssertSuccess(response);
        var (command, _) = await host.Commands.TakeUntilAsync<RecordPlatformClose>(id);
        Assert.Equal(new RecordPlatformClose(id, DateTimeOffset.FromUnixTimeMilliseconds(1742265092000), expected), command);
    }

    [Fact]
    public async Task The_reference_page_curl_example_is_accepted()
    {
        var response = await _client.PostJsonAsync("/human/service/conversation/establish", ReferenceExample.Establish);

        await AssertSuccess(response);
        var (command, _) = await host.Commands.TakeUntilAsync<EstablishConversation>("67d8db020fa31d1ef64f53dg");
        Assert.Equal(2, command.History.Count);
    }

    [Fact]
    public async Task Bad_webhooks_get_a_4xx_that_names_the_problem_and_nothing_is_sent()
    {
        var id = NewConversationId();
        (HttpContent Content, string Path, HttpStatusCode Status, string Message)[] cases =
        [
            (Json($$"""{"conversation_id":"{{id}}","body":"hi"}"""), "/chat", HttpStatusCode.BadRequest, "timestamp: is required"),
            (Json($$"""{"conversation_id":"{{id}}","timestamp":"1742265091000","body":"hi"}"""), "/chat", HttpStatusCode.BadRequest,
                "timestamp: must be a positive integer (Unix milliseconds)"),
            (Json($$"""{"conversation_id":"{{id}}","timestamp":1742265091000,"body":""}"""), "/chat", HttpStatusCode.BadRequest,
                "body: must be a non-empty string"),
            (Json($$"""{"conversation_id":"{{id}}","timestamp":1742265091000}"""), "/human/service/conversation/establish",
                HttpStatusCode.BadRequest, "bot_id: is required"),
            (Json($$"""{"conversation_id":"{{id}}","timestamp":1742265091000,"type":"BORED"}"""), "/conversation/close",
                HttpStatusCode.BadRequest, "type: must be TIMEOUT or USER_CLOSED"),
            (Json("""{"conversation_id": """), "/chat", HttpStatusCode.BadRequest, "request body: is not valid JSON"),
            (new StringContent(Chat(id), Encoding.UTF8, "text/plain"), "/chat", HttpStatusCode.UnsupportedMediaType,
                "content-type: must be application/json"),
            (Json(Chat(id, new string('x', 70_000))), "/chat", HttpStatusCode.RequestEntityTooLarge,
                "request body: must be at most 65536 bytes"),
            (Chunked(Chat(id, new string('x', 70_000))), "/chat", HttpStatusCode.RequestEntityTooLarge,
                "request body: must be at most 65536 bytes"),
        ];

        foreach (var (content, path, status, message) in cases)
        {
            var response = await _client.PostAsync(path, content);
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(new Reply((int)status, message), await response.Content.ReadFromJsonAsync<Reply>());
        }

        // Commands keep their order in the queue, so anything the bad webhooks had sent would come before this one.
        var sentinel = NewConversationId();
        await AssertSuccess(await _client.PostJsonAsync("/chat", Chat(sentinel)));
        var (_, before) = await host.Commands.TakeUntilAsync<PostUserMessage>(sentinel);
        Assert.DoesNotContain(before, c => c.ConversationId == id);
    }

    [Fact]
    public async Task A_chunked_body_within_the_limit_is_accepted()
    {
        var id = NewConversationId();

        var response = await _client.PostAsync("/chat", Chunked(Chat(id)));

        await AssertSuccess(response);
        await host.Commands.TakeUntilAsync<PostUserMessage>(id);
    }

    [Fact]
    public async Task Readiness_reports_healthy_when_the_broker_is_up()
    {
        await Testing.Eventually.True(async () => (await _client.GetAsync("/health/ready")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(15), "the bus health check to turn healthy");
    }

    private static async Task AssertSuccess(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Reply(200, "success"), await response.Content.ReadFromJsonAsync<Reply>());
    }
}
