using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Handoff.Contracts;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using static Handoff.Gateway.Tests.Webhooks.Requests;

namespace Handoff.Gateway.Tests.Security;

/// <summary>
/// What Docker Compose hands the Gateway when <c>./dev up</c> runs without HANDOFF_WEBHOOK_SECRET: the secret slot
/// empty (Compose cannot leave it out) and authentication switched off explicitly.
/// </summary>
public sealed class ExplicitlyUnauthenticatedGateway : GatewayHost
{
    public CapturedLogs Logs { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Gateway:Webhooks:Secrets:0", ""),
        new("Gateway:Webhooks:AllowUnauthenticated", "true"),
    ];

    protected override void ConfigureHost(IWebHostBuilder builder) => builder.ConfigureLogging(logging => logging.AddProvider(Logs));
}

/// <summary>A real secret between blank slots, as an empty optional Kubernetes secret or an unset Compose variable leaves them.</summary>
public sealed class BlankSlotsGateway : GatewayHost
{
    public const string Secret = "real-secret-0123456789abcdefghij";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Gateway:Webhooks:Secrets:0", ""),
        new("Gateway:Webhooks:Secrets:1", Secret),
        new("Gateway:Webhooks:Secrets:2", "   "),
        new("Gateway:Webhooks:AllowUnauthenticated", "false"),
    ];
}

public sealed class ExplicitlyOffTests(ExplicitlyUnauthenticatedGateway host) : IClassFixture<ExplicitlyUnauthenticatedGateway>
{
    [Fact]
    public async Task With_authentication_off_explicitly_a_webhook_without_a_secret_is_accepted_and_the_log_warns()
    {
        var id = NewConversationId();
        using var client = host.Factory.CreateClient();

        var response = await client.PostJsonAsync("/chat", Chat(id));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await host.Commands.TakeUntilAsync<PostUserMessage>(id);
        Assert.Contains(host.Logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("Webhook authentication is OFF"));
    }
}

public sealed class BlankSecretTests(BlankSlotsGateway host) : IClassFixture<BlankSlotsGateway>
{
    public sealed record Reply(int Code, string Message);

    [Fact]
    public async Task Blank_secret_slots_beside_a_real_secret_are_ignored_and_never_accepted()
    {
        using var client = host.Factory.CreateClient();
        var id = NewConversationId();
        HttpRequestMessage Header(string name, string value)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = Json(Chat(id)) };
            request.Headers.TryAddWithoutValidation(name, value);
            return request;
        }

        HttpRequestMessage[] blanks =
        [
            new(HttpMethod.Post, "/chat?secret=") { Content = Json(Chat(id)) },
            new(HttpMethod.Post, "/chat?secret=%20%20%20") { Content = Json(Chat(id)) },
            new(HttpMethod.Post, "/hooks/%20%20%20/chat") { Content = Json(Chat(id)) },
            Header("Authorization", "Bearer "),
            Header("Authorization", "Bearer    "),
            Header("X-Handoff-Webhook-Secret", ""),
            Header("X-Handoff-Webhook-Secret", "   "),
        ];
        foreach (var request in blanks)
        {
            var response = await client.SendAsync(request);
            Assert.Equal(new Reply(401, "webhook secret: missing or not valid"), await response.Content.ReadFromJsonAsync<Reply>());
        }

        var sentinel = NewConversationId();
        var accepted = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = Json(Chat(sentinel)) };
        accepted.Headers.Authorization = new AuthenticationHeaderValue("Bearer", BlankSlotsGateway.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(accepted)).StatusCode);
        var (_, before) = await host.Commands.TakeUntilAsync<PostUserMessage>(sentinel);
        Assert.DoesNotContain(before, c => c.ConversationId == id);
    }
}

public sealed class BlankSecretStartupTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task A_blank_secret_without_authentication_off_stops_the_Gateway_with_a_message_naming_the_setting(string blank)
    {
        await using var gateway = GatewayHost.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/",
            ["Gateway:Webhooks:Secrets:0"] = blank,
            ["Gateway:Webhooks:AllowUnauthenticated"] = "false",
        });

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains("Gateway:Webhooks:Secrets:0 is empty", error.Message);
        Assert.Contains("Gateway:Webhooks:AllowUnauthenticated=true", error.Message);
    }
}
