using System.Net;
using System.Net.Http.Json;
using static Handoff.Gateway.Tests.Webhooks.Requests;

namespace Handoff.Gateway.Tests.Security;

public sealed class RateLimitTests(RateLimitedGateway host) : IClassFixture<RateLimitedGateway>
{
    public sealed record Reply(int Code, string Message);

    [Fact]
    public async Task A_source_over_its_webhook_limit_gets_429_in_the_webhook_shape()
    {
        using var client = host.Factory.CreateClient();
        for (var i = 0; i < RateLimitedGateway.Limit; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("/chat", Chat(NewConversationId()))).StatusCode);

        var response = await client.PostJsonAsync("/chat", Chat(NewConversationId()));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(new Reply(429, "too many requests, please retry later"), await response.Content.ReadFromJsonAsync<Reply>());
        Assert.True(response.Headers.Contains("Retry-After"));
        // Health checks are never limited: an orchestrator must not restart a busy Gateway.
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.GetAsync("/health/live")).StatusCode);
    }
}
