using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Handoff.Testing;
using Xunit.Abstractions;

namespace Handoff.EndToEnd.Tests;

public class HandoffLoopTests(HandoffSystem system, ITestOutputHelper output) : IClassFixture<HandoffSystem>
{
    private const string ConversationId = ReferenceExample.ConversationId;
    private const string ReferenceEstablish = ReferenceExample.Establish;

    [Fact]
    public async Task A_handoff_runs_from_establish_through_reply_and_close_to_an_idle_close()
    {
        await system.PrintingLogsOnFailure(output, Run);
    }

    private async Task Run()
    {
        // Session 1: the user asks for a human, writes, an agent answers, the user closes.
        await Webhook("/human/service/conversation/establish", ReferenceEstablish);
        await AltaBotsReceived(1, "the greeting");

        await Webhook("/chat", $$"""{"conversation_id":"{{ConversationId}}","timestamp":1742265100000,"body":"Where is my order?"}""");
        var waiting = await Api(HttpMethod.Get, "/api/conversations?status=waiting");
        Assert.Contains(waiting["items"]!.AsArray(), c => (string?)c!["id"] == ConversationId);

        var reply = await Api(HttpMethod.Post, $"/api/conversations/{ConversationId}/messages", new { text = "It ships tomorrow." },
            HttpStatusCode.Accepted);
        Assert.True((long)reply["sequence"]! > 0);
        await AltaBotsReceived(2, "the agent's reply");

        await Webhook("/conversation/close", $$"""{"conversation_id":"{{ConversationId}}","timestamp":1742265200000,"type":"USER_CLOSED"}""");
        await Eventually.True(async () => (string?)(await Api(HttpMethod.Get, $"/api/conversations/{ConversationId}"))["status"] == "closed",
            because: "the user's close is recorded");

        // Session 2: the user asks again and goes quiet; the idle timer closes it and AltaBots is told.
        await Webhook("/conversation/establish", ReferenceEstablish.Replace("1742265090895", "1742265300000"));
        await AltaBotsReceived(4, "the second greeting and the idle close", TimeSpan.FromSeconds(30));

        var calls = system.AltaBots.AllCalls;
        Assert.All(calls, c => Assert.Equal($"Bearer {HandoffSystem.ApiKey}", c.Authorization));
        Assert.Equal(
            [("/v1/human/message/receive", HandoffSystem.Greeting), ("/v1/human/message/receive", "It ships tomorrow."),
             ("/v1/human/message/receive", HandoffSystem.Greeting), ("/v1/human/close", (string?)null)],
            calls.Select(c => (c.Endpoint, c.Text)).ToArray());
        Assert.All(calls, c => Assert.Equal(ConversationId, c.ConversationId));
        Assert.All(calls, c => Assert.True(c.Timestamp > DateTimeOffset.FromUnixTimeMilliseconds(ReferenceExample.Timestamp)));
        Assert.Equal(calls.Count, calls.Select(c => c.IdempotencyKey).Distinct().Count());

        var view = await Eventually.Get(async () =>
        {
            var v = await Api(HttpMethod.Get, $"/api/conversations/{ConversationId}");
            return (string?)v["status"] == "closed" ? v : null;
        }, because: "the idle close is recorded");
        Assert.Equal(2, (int)view["session"]!);
        var transcript = view["transcript"]!.AsArray()
            .Where(e => !string.IsNullOrEmpty((string?)e!["text"]))
            .Select(e => ((string?)e!["author"], (string?)e["text"])).ToArray();
        Assert.Equal(
            [("user", "human service"), ("system", HandoffSystem.Greeting), ("user", "Where is my order?"), ("agent", "It ships tomorrow."),
             ("user", "human service"), ("system", HandoffSystem.Greeting)],
            transcript);
        var sequences = view["transcript"]!.AsArray().Select(e => (long)e!["sequence"]!).ToArray();
        Assert.Equal(sequences.Order().Distinct(), sequences);
    }

    private async Task Webhook(string path, string json)
    {
        var response = await system.Gateway.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {body}");
        Assert.Equal(200, (int)JsonNode.Parse(body)!["code"]!);
    }

    private async Task<JsonNode> Api(HttpMethod method, string path, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DevToken.Create("alice"));
        if (body is not null) request.Content = JsonContent.Create(body);
        var response = await system.Gateway.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private Task AltaBotsReceived(int count, string what, TimeSpan? timeout = null) =>
        Eventually.True(() => system.AltaBots.AllCalls.Count >= count, timeout ?? TimeSpan.FromSeconds(20), $"AltaBots receives {what}");
}
