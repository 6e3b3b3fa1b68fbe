using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using static Handoff.Gateway.Tests.Webhooks.Requests;

namespace Handoff.Gateway.Tests.Webhooks;

public sealed class BrokerDownTests : IAsyncLifetime
{
    // Nothing listens on port 1: the broker is down from the start. The default Gateway:BrokerTimeout (5 s) applies.
    private readonly Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> _factory = GatewayHost.Start(new Dictionary<string, string?>
    {
        ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/",
    });

    [Fact]
    public async Task A_valid_webhook_gets_503_quickly_when_the_broker_is_unreachable()
    {
        var client = _factory.CreateClient();
        var clock = Stopwatch.StartNew();

        var responses = await Task.WhenAll(
            client.PostJsonAsync("/conversation/establish", Establish(NewConversationId())),
            client.PostJsonAsync("/human/service/chat", Chat(NewConversationId())));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"took {clock.Elapsed}");
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var reply = await response.Content.ReadFromJsonAsync<WebhookServiceTests.Reply>();
            Assert.Equal(503, reply!.Code);
            Assert.False(string.IsNullOrWhiteSpace(reply.Message));
        }
    }

    [Fact]
    public async Task The_service_is_live_but_not_ready_without_a_broker()
    {
        var client = _factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();
}
