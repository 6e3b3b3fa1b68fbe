using System.Net;
using System.Net.Http.Json;
using Handoff.ServiceDefaults;
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

public sealed class ApiRateLimitTests(RateLimitedGateway host) : IClassFixture<RateLimitedGateway>
{
    [Fact]
    public async Task A_source_over_its_agent_API_limit_gets_429_before_the_request_is_proxied()
    {
        using var client = host.Factory.CreateClient();
        // No Conversations runs behind this Gateway: a request let through is answered by the proxy (502), not 429.
        for (var i = 0; i < RateLimitedGateway.Limit; i++)
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.GetAsync("/api/conversations")).StatusCode);

        var response = await client.GetAsync("/api/conversations");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        // In the agent API's shape, whose codes are words: its clients read one shape, whoever refused.
        Assert.Equal(new ApiError("too_many_requests", "Too many requests, please retry later."), await response.Content.ReadFromJsonAsync<ApiError>());
    }
}
