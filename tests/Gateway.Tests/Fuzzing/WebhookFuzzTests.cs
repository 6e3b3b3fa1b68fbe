using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Handoff.Contracts;
using Xunit.Abstractions;
using static Handoff.Gateway.Tests.Webhooks.Requests;

namespace Handoff.Gateway.Tests.Fuzzing;

/// <summary>A Gateway with a webhook secret and a rate limit high enough not to hide what the fuzzer finds.</summary>
public sealed class FuzzedGateway : GatewayHost
{
    public const string Secret = "fuzz-secret-0123456789abcdefghij";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Gateway:Webhooks:Secrets:0", Secret),
        new("Gateway:Webhooks:AllowUnauthenticated", "false"),
        new("Gateway:RateLimits:Webhooks:PermitLimit", "1000000"),
    ];
}

public sealed class WebhookFuzzTests(FuzzedGateway host, ITestOutputHelper output) : IClassFixture<FuzzedGateway>
{
    private const int Cases = 3000;
    private const int Seed = 20261125;

    [Fact]
    public async Task Thousands_of_bad_webhooks_each_get_a_4xx_in_the_webhook_shape_and_nothing_reaches_the_broker()
    {
        using var client = host.Factory.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(10); // a hang fails the test instead of stalling it
        var generator = new BadWebhooks(Seed, FuzzedGateway.Secret);
        var byKind = new Dictionary<string, int>();
        var validIds = new List<string>();
        var watch = Stopwatch.StartNew();

        for (var i = 0; i < Cases; i++)
        {
            var bad = generator.Next();
            var response = await client.SendAsync(bad.ToMessage());
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(status is >= 400 and < 500 and not 429, $"case {i} (seed {Seed}) {bad} got {status}: {body}");
            AssertWebhookShape(body, status, $"case {i} (seed {Seed}) {bad}");
            byKind[bad.Kind] = byKind.GetValueOrDefault(bad.Kind) + 1;

            if (i % 250 == 0)
            {
                // A valid webhook right after is still served.
                var valid = NewConversationId();
                validIds.Add(valid);
                var ok = await client.PostJsonAsync($"/hooks/{FuzzedGateway.Secret}/chat", Chat(valid));
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            }
        }
        output.WriteLine($"{Cases} cases in {watch.Elapsed.TotalSeconds:F1} s: {string.Join(", ", byKind.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))}");

        // Taking the sentinel takes every command waiting in any lane: anything a bad webhook had sent would be among them.
        var sentinel = NewConversationId();
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync($"/hooks/{FuzzedGateway.Secret}/chat", Chat(sentinel))).StatusCode);
        var (_, before) = await host.Commands.TakeUntilAsync<PostUserMessage>(sentinel);
        Assert.Equal(validIds.Order(), before.Select(c => c.ConversationId).Order());
    }

    private static void AssertWebhookShape(string body, int status, string because)
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.True(root.ValueKind == JsonValueKind.Object, because);
        Assert.True(root.TryGetProperty("code", out var code) && code.GetInt32() == status, $"{because}: {body}");
        Assert.True(root.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 }, $"{because}: {body}");
    }
}
