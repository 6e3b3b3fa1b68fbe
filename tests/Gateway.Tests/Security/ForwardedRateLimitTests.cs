using System.Net;
using static Handoff.Gateway.Tests.Webhooks.Requests;

namespace Handoff.Gateway.Tests.Security;

public sealed class ForwardedRateLimitTests(ProxiedRateLimitedGateway host) : IClassFixture<ProxiedRateLimitedGateway>
{
    [Fact]
    public async Task Behind_an_ingress_each_client_has_its_own_limit()
    {
        using var client = host.Factory.CreateClient();
        for (var i = 0; i < RateLimitedGateway.Limit; i++)
            Assert.Equal(HttpStatusCode.OK, (await Post(client, "203.0.113.7")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Post(client, "203.0.113.7")).StatusCode);

        // Every request reaches the Gateway from the ingress's address; the limit follows the client it names.
        Assert.Equal(HttpStatusCode.OK, (await Post(client, "198.51.100.9")).StatusCode);
    }

    private static Task<HttpResponseMessage> Post(HttpClient client, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = Json(Chat(NewConversationId())) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return client.SendAsync(request);
    }
}
