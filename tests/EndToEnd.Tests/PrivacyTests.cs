using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Handoff.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Handoff.EndToEnd.Tests;

/// <summary>
/// An OTLP/HTTP receiver that keeps every export as raw bytes. OTLP protobuf stores strings as plain UTF-8, so a
/// secret that reached a span, a log record or a metric shows up in them without decoding anything.
/// </summary>
public sealed class FakeOtlp : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<(string Signal, byte[] Body)> exports = new();

    private FakeOtlp(WebApplication app) => this.app = app;

    public string Url => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>Everything exported so far for one signal (traces, logs, metrics), as text.</summary>
    public string Received(string signal) =>
        string.Join("\n", exports.Where(e => e.Signal == signal).Select(e => Encoding.UTF8.GetString(e.Body)));

    /// <summary>Every span exported so far, read out of the trace exports.</summary>
    public IReadOnlyList<ExportedSpan> Spans() =>
        exports.Where(e => e.Signal == "traces").SelectMany(e => OtlpSpans.Read(e.Body)).ToList();

    public static async Task<FakeOtlp> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var fake = new FakeOtlp(builder.Build());
        fake.app.MapPost("/v1/{signal}", async (string signal, HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            fake.exports.Enqueue((signal, body.ToArray()));
            return Results.Ok();
        });
        await fake.app.StartAsync();
        return fake;
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();
}

/// <summary>
/// The whole system with webhook authentication on, every service exporting traces, logs and metrics to a
/// <see cref="FakeOtlp"/> and writing JSON console logs with their scopes, so anything sensitive has every chance to leak.
/// </summary>
public class ObservedSystem : HandoffSystem
{
    public const string WebhookSecret = "privacy-webhook-secret-0123456789abcdef";
    private static readonly string[] All = ["Gateway", "Conversations", "Outbound", "Timeouts"];

    public FakeOtlp Otlp { get; private set; } = null!;

    public override TimeSpan IdleTimeout => TimeSpan.FromMinutes(5);

    protected override IEnumerable<(string Service, string Key, string Value)> Settings =>
        All.SelectMany(service => new[]
        {
            (service, "OTEL_EXPORTER_OTLP_ENDPOINT", Otlp.Url),
            (service, "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            (service, "OTEL_SERVICE_NAME", $"handoff-{service.ToLowerInvariant()}"),
            (service, "OTEL_BSP_SCHEDULE_DELAY", "200"),
            (service, "OTEL_BLRP_SCHEDULE_DELAY", "200"),
            (service, "Logging__LogLevel__Default", "Information"),
            (service, "Logging__LogLevel__Microsoft.AspNetCore", "Information"),
            (service, "Logging__LogLevel__Handoff", "Debug"),
            (service, "Logging__Console__FormatterName", "json"),
            (service, "Logging__Console__FormatterOptions__IncludeScopes", "true"),
        }).Append(("Gateway", "Gateway__Webhooks__Secrets__0", WebhookSecret));

    public override async Task InitializeAsync()
    {
        Otlp = await FakeOtlp.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Otlp is not null) await Otlp.DisposeAsync();
    }
}

public sealed class PrivacyTests(ObservedSystem system, ITestOutputHelper output) : IClassFixture<ObservedSystem>
{
    private const string ConversationId = "privacy-67d8db020fa31d1e";
    private const string Email = "private.person@example.org";
    private const string Phone = "+44 7700 900461";
    private const string BotTurn = "bot-turn-text-Kx7Qw";
    private const string UserQuestion = "user-question-text-Pz3Lm";
    private const string UserMessage = "user-message-text-Hq8Vd";
    private const string AgentReply = "agent-reply-text-Rt5Nc";

    [Fact]
    public async Task No_message_text_email_phone_or_webhook_secret_reaches_logs_or_telemetry()
    {
        await system.PrintingLogsOnFailure(output, Run);
    }

    private async Task Run()
    {
        var hooks = $"/hooks/{ObservedSystem.WebhookSecret}";
        await Webhook($"{hooks}/human/service/conversation/establish", $$"""
            {
              "conversation_id": "{{ConversationId}}", "bot_id": "privacy-bot", "timestamp": 1742265090895, "email": "{{Email}}",
              "body": [ { "text": "{{UserQuestion}}", "message_type": "QUESTION" }, { "text": "{{BotTurn}}", "message_type": "ANSWER" } ],
              "user_info": { "phone": "{{Phone}}", "email": "{{Email}}", "user_id": "u-1", "anonymous_id": "a-1" }
            }
            """);
        await Eventually.True(() => system.AltaBots.AllCalls.Any(c => c.ConversationId == ConversationId),
            TimeSpan.FromSeconds(20), "AltaBots receives the greeting");
        await Webhook($"/chat?secret={ObservedSystem.WebhookSecret}",
            $$"""{"conversation_id":"{{ConversationId}}","timestamp":1742265100000,"body":"{{UserMessage}}"}""");

        using var agent = new HttpRequestMessage(HttpMethod.Post, $"/api/conversations/{ConversationId}/messages")
        {
            Content = JsonContent.Create(new { text = AgentReply }),
        };
        agent.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DevToken.Create("alice", role: DevToken.Agent, bots: ["privacy-bot"]));
        Assert.Equal(HttpStatusCode.Accepted, (await system.Gateway.SendAsync(agent)).StatusCode);
        await Eventually.True(() => system.AltaBots.AllCalls.Any(c => c.Text == AgentReply), TimeSpan.FromSeconds(20),
            "AltaBots receives the agent's reply");
        await Webhook($"{hooks}/conversation/close",
            $$"""{"conversation_id":"{{ConversationId}}","timestamp":1742265200000,"type":"USER_CLOSED"}""");

        // The capture works: the spans of all four services, and the outbound delivery, did arrive.
        await Eventually.True(() =>
        {
            var traces = system.Otlp.Received("traces");
            return new[] { "handoff-gateway", "handoff-conversations", "handoff-outbound", "handoff-timeouts", "/v1/human/message/receive" }
                .All(traces.Contains);
        }, TimeSpan.FromSeconds(30), "spans of every service reach the OTLP receiver");
        await Eventually.True(() => system.Otlp.Received("logs").Contains(ConversationId), TimeSpan.FromSeconds(30),
            "log records that name the conversation reach the OTLP receiver");

        var captured = new Dictionary<string, string>
        {
            ["console logs"] = system.Logs(),
            ["OTLP traces"] = system.Otlp.Received("traces"),
            ["OTLP logs"] = system.Otlp.Received("logs"),
            ["OTLP metrics"] = system.Otlp.Received("metrics"),
        };
        Assert.Contains(ConversationId, captured["console logs"]);
        string[] secrets = [Email, Phone, BotTurn, UserQuestion, UserMessage, AgentReply, ObservedSystem.WebhookSecret];
        foreach (var (where, text) in captured)
            foreach (var secret in secrets)
                Assert.False(text.Contains(secret), $"'{secret}' appears in the {where}");
    }

    [Fact]
    public async Task Outbound_refuses_to_start_with_a_plain_http_AltaBots_outside_loopback()
    {
        var environment = system.ServiceEnvironment("outbound-http");
        environment["AltaBots__BaseUrl"] = "http://altatech.example";
        environment["AltaBots__ApiKey"] = "key";

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync("Outbound", environment));

        Assert.Contains("AltaBots:BaseUrl must be https", failure.Message);
    }

    private async Task Webhook(string path, string json)
    {
        var response = await system.Gateway.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path.Replace(ObservedSystem.WebhookSecret, "***")} answered {(int)response.StatusCode}");
    }
}
