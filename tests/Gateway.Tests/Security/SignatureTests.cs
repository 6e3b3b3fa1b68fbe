using System.Net;
using System.Net.Http.Json;
using System.Text;
using Handoff.Contracts;
using Handoff.Gateway.WebhookSecurity;
using static Handoff.Gateway.Tests.Webhooks.Requests;

namespace Handoff.Gateway.Tests.Security;

public sealed class SignatureTests(SigningGateway host) : IClassFixture<SigningGateway>
{
    private readonly HttpClient _client = host.Factory.CreateClient();

    public sealed record Reply(int Code, string Message);

    private static HttpRequestMessage Signed(string path, string body, string? id = null, DateTimeOffset? at = null, byte[]? key = null,
        string? tamperedBody = null)
    {
        id ??= "msg_" + Guid.NewGuid().ToString("N");
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(tamperedBody ?? body) };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString());
        request.Headers.Add("webhook-signature",
            "v1,bm90LXRoZS1zaWduYXR1cmUtYXQtYWxsLWJ1dC0zMmI= " + Sign(key ?? SigningGateway.Key, id, timestamp, body));
        return request;
    }

    // Computed here rather than with the Gateway's own code: this is the spec's formula, written out.
    private static string Sign(byte[] key, string id, long timestamp, string body) =>
        "v1," + Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));

    [Fact]
    public async Task A_correctly_signed_webhook_is_accepted()
    {
        var id = NewConversationId();

        var response = await _client.SendAsync(Signed("/chat", Chat(id)));

        Assert.Equal(new Reply(200, "success"), await response.Content.ReadFromJsonAsync<Reply>());
        await host.Commands.TakeUntilAsync<PostUserMessage>(id);
    }

    [Fact]
    public async Task Unsigned_tampered_stale_and_replayed_webhooks_get_401_and_nothing_is_sent()
    {
        var id = NewConversationId();
        var replayed = Signed("/chat", Chat(NewConversationId()), id: "msg_replayed");
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(replayed)).StatusCode);

        (HttpRequestMessage Request, string Message)[] cases =
        [
            (new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = Json(Chat(id)) }, "webhook-id: is required"),
            (Signed("/chat", Chat(id), tamperedBody: Chat(id, "something else")), "webhook-signature: does not match"),
            (Signed("/chat", Chat(id), key: new byte[32]), "webhook-signature: does not match"),
            (Signed("/chat", Chat(id), at: DateTimeOffset.UtcNow.AddMinutes(-6)), "webhook-timestamp: is too far from now"),
            (Signed("/chat", Chat(id), at: DateTimeOffset.UtcNow.AddMinutes(6)), "webhook-timestamp: is too far from now"),
            (Signed("/chat", Chat(id), id: "msg_replayed"), "webhook-id: already received"),
        ];
        foreach (var (request, message) in cases)
        {
            var response = await _client.SendAsync(request);
            Assert.Equal(new Reply(401, message), await response.Content.ReadFromJsonAsync<Reply>());
        }

        var sentinel = NewConversationId();
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(Signed("/chat", Chat(sentinel)))).StatusCode);
        var (_, before) = await host.Commands.TakeUntilAsync<PostUserMessage>(sentinel);
        Assert.DoesNotContain(before, c => c.ConversationId == id);
    }

    [Fact]
    public async Task A_signed_webhook_that_was_refused_may_be_retried_with_the_same_id()
    {
        var id = NewConversationId();
        var bad = await _client.SendAsync(Signed("/chat", """{"conversation_id":"x"}""", id: "msg_retry"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var retry = await _client.SendAsync(Signed("/chat", Chat(id), id: "msg_retry"));

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
    }

    [Fact]
    public void Signing_secrets_must_be_whsec_base64_of_enough_bytes()
    {
        Assert.NotNull(StandardWebhookSignature.Key(SigningGateway.SigningSecret));
        Assert.Null(StandardWebhookSignature.Key(Convert.ToBase64String(new byte[32])));
        Assert.Null(StandardWebhookSignature.Key("whsec_" + Convert.ToBase64String(new byte[8])));
        Assert.Null(StandardWebhookSignature.Key("whsec_not base64!"));
    }
}
