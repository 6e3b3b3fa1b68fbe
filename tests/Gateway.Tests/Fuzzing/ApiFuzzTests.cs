using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Handoff.Testing;
using Xunit.Abstractions;

namespace Handoff.Gateway.Tests.Fuzzing;

/// <summary>
/// The agent and operator APIs fuzzed where the public reaches them: through the Gateway, on a real port, in front of
/// real Conversations and Outbound services. Conversations' own suite fuzzes its API directly; this one adds what the
/// Gateway and its server do on the way (parsing, limits, forwarding) and what the proxy adds to a request.
/// </summary>
public sealed class ApiFuzzTests(ProxiedApis apis, ITestOutputHelper output) : IClassFixture<ProxiedApis>
{
    private const int Seed = 20261125;
    private const int AgentCases = 1200;
    private const int OperatorCases = 600;
    private const int EdgeCases = 1500;

    [Fact]
    public async Task Bad_agent_and_operator_requests_through_the_gateway_each_get_a_4xx_in_the_api_shape_and_change_nothing()
    {
        var before = await apis.SettledStoreAsync();
        using var client = apis.Client();
        var agent = new BadAgentRequests(Seed, apis.Existing);
        var operators = new BadOperatorRequests(Seed);
        var byKind = new Dictionary<string, int>();
        var watch = Stopwatch.StartNew();

        for (var i = 0; i < AgentCases + OperatorCases; i++)
        {
            var (api, bad) = i % 3 == 2 ? ("operator", operators.Next()) : ("agent", agent.Next());
            var message = bad.ToMessage();
            var response = await client.SendAsync(message);
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();
            var because = $"{api} case {i} (seed {Seed}) {bad} got {status}: {Shorten(body)}";
            Assert.True(status is >= 400 and < 500, because);
            AssertErrorShape(body, status, UnderApi(message.RequestUri!), because);
            byKind[$"{api}: {bad.Kind}"] = byKind.GetValueOrDefault($"{api}: {bad.Kind}") + 1;
        }
        output.WriteLine($"{AgentCases + OperatorCases} cases in {watch.Elapsed.TotalSeconds:F1} s: {Tally(byKind)}");

        await AssertNothingChangedAndStillServed(before);
    }

    [Fact]
    public async Task Malformed_and_oversized_requests_at_the_edge_get_a_4xx_and_only_the_server_itself_answers_without_a_body()
    {
        var before = await apis.SettledStoreAsync();
        var agent = new BadAgentRequests(Seed + 1, apis.Existing);
        var operators = new BadOperatorRequests(Seed + 1);
        var bases = 0;
        var generator = new BadEdgeRequests(Seed, () => bases++ % 3 == 2 ? operators.Next() : agent.Next());
        var byKind = new Dictionary<string, int>();
        var refusedByServer = new Dictionary<string, int>();
        var watch = Stopwatch.StartNew();

        for (var i = 0; i < EdgeCases; i++)
        {
            var bad = generator.Next();
            var response = await RawHttp.SendAsync(apis.GatewayAddress, bad.Bytes, TimeSpan.FromSeconds(10));
            var because = $"case {i} (seed {Seed}) {bad} got {response?.ToString() ?? "the connection closed"}";
            Assert.True(response is not null, because);
            Assert.True(response.Status is >= 400 and < 500, because);
            byKind[bad.Kind] = byKind.GetValueOrDefault(bad.Kind) + 1;
            if (IsServerRefusal(response))
            {
                // Kestrel refuses a request that breaks HTTP/1.1 or its limits before any code of the Gateway runs, and
                // such an answer cannot carry a body. Only what the generator says may be refused is allowed to be.
                Assert.True(bad.ServerMayRefuse, $"{because}: refused without a body, though it should have reached the Gateway");
                refusedByServer[bad.Kind] = refusedByServer.GetValueOrDefault(bad.Kind) + 1;
                continue;
            }
            if (!bad.IsHead) AssertErrorShape(response.Body, response.Status, bad.ApiPath, because);
        }
        output.WriteLine($"{EdgeCases} cases in {watch.Elapsed.TotalSeconds:F1} s: {Tally(byKind)}");
        output.WriteLine($"refused by Kestrel itself: {Tally(refusedByServer)}");

        await AssertNothingChangedAndStillServed(before);
    }

    [Fact]
    public async Task A_body_that_stops_arriving_gets_a_408_in_the_api_shape_rather_than_a_hang()
    {
        var request = Encoding.ASCII.GetBytes(
            $"POST /api/conversations/{apis.Existing}/messages HTTP/1.1\r\nHost: gateway.test\r\nAuthorization: Bearer {DevToken.Create("stalled")}\r\n" +
            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"text\":\"I will never fin");

        // Kestrel gives a body 5 s of grace, then wants 240 bytes a second.
        var response = await RawHttp.SendAsync(apis.GatewayAddress, request, TimeSpan.FromSeconds(30));

        Assert.NotNull(response);
        Assert.Equal(408, response.Status);
        AssertErrorShape(response.Body, response.Status, apiPath: true, "a stalled body");
    }

    /// <summary>A valid call of each kind after the fuzzing is served, and the fuzzing itself stored nothing.</summary>
    private async Task AssertNothingChangedAndStillServed(ProxiedApis.Store before)
    {
        Assert.Equal(before, await apis.StoreAsync());

        using var supervisor = apis.Supervisor();
        Assert.Equal(HttpStatusCode.OK, (await supervisor.GetAsync("/api/deliveries?status=delivered")).StatusCode);
        var reply = await supervisor.PostAsJsonAsync($"/api/conversations/{apis.Existing}/messages", new { text = "Still here." });
        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        var after = await apis.SettledStoreAsync();
        Assert.True(after.Events > before.Events && after.Deliveries == before.Deliveries + 1, $"the valid reply is stored and delivered: {before} → {after}");
    }

    private static bool UnderApi(Uri uri) => uri.AbsolutePath == "/api" || uri.AbsolutePath.StartsWith("/api/", StringComparison.Ordinal);

    /// <summary>Kestrel's own refusal: no body, no content type, and the connection closed.</summary>
    private static bool IsServerRefusal(RawHttp.Response response) =>
        response.Body.Length == 0 && !response.Headers.ContainsKey("Content-Type")
        && response.Headers.GetValueOrDefault("Connection")?.Contains("close", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>
    /// Under /api, the APIs' shape (<c>{"code":"a_word","message":…}</c>); elsewhere (a path normalised out of /api onto
    /// the webhooks) the webhook shape (<c>{"code":404,"message":…}</c>) will do too.
    /// </summary>
    private static void AssertErrorShape(string body, int status, bool apiPath, string because) =>
        ApiErrorShape.AssertIn(body, because, orWebhookStatus: apiPath ? null : status);

    private static string Shorten(string body) => body.Length > 300 ? body[..300] : body;

    private static string Tally(Dictionary<string, int> byKind) => string.Join(", ", byKind.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"));
}
