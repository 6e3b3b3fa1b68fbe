using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Handoff.Testing;

namespace Handoff.Gateway.Tests;

/// <summary>
/// The Gateway only sends, so no receive endpoint of its own notices a lost broker: readiness has to. The broker is
/// shared by everyone on this machine and stays up; what is taken away is this test's virtual host.
/// </summary>
public class ReadinessTests(GatewayHost gateway) : IClassFixture<GatewayHost>
{
    // The kubelet probes every 5 s and acts after two failures (deploy/k8s): going unready must take about that long at most.
    private static readonly TimeSpan NoticedWithin = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RecoveredWithin = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Ready_turns_unhealthy_when_the_broker_refuses_the_gateway_and_healthy_once_it_accepts_it_again()
    {
        using var client = gateway.Factory.CreateClient();
        await Eventually.True(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "the Gateway is ready to begin with");
        using var management = gateway.ManagementClient();
        // The management API lists a new connection seconds late; the readiness check's own must be there to be cut.
        await Eventually.True(async () => (await Connections(management)).Any(c => ((string?)c!["client_properties"]?["connection_name"])?.EndsWith("readiness") == true),
            TimeSpan.FromSeconds(20), "the readiness connection is listed");

        // With a connection limit of 0 on the virtual host, every connection cut stays cut.
        (await management.PutAsJsonAsync($"api/vhost-limits/{gateway.VirtualHost}/max-connections", new { value = 0 })).EnsureSuccessStatusCode();
        try
        {
            await Eventually.True(async () =>
            {
                foreach (var connection in await Connections(management))
                    await management.DeleteAsync($"api/connections/{Uri.EscapeDataString((string)connection!["name"]!)}");
                return (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable;
            }, NoticedWithin, "ready fails without the broker");
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        }
        finally
        {
            await management.DeleteAsync($"api/vhost-limits/{gateway.VirtualHost}/max-connections");
        }

        await Eventually.True(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            RecoveredWithin, "ready again once the broker accepts the Gateway");
    }

    private async Task<JsonArray> Connections(HttpClient management) =>
        (await management.GetFromJsonAsync<JsonArray>($"api/vhosts/{gateway.VirtualHost}/connections"))!;
}
