using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;

namespace Handoff.ServiceDefaults;

/// <summary>
/// Ready only while RabbitMQ answers. MassTransit's own check follows receive endpoints, so it stays healthy on a bus
/// that only sends (the Gateway's) after the broker went away; this one keeps a connection of its own, replaces it
/// when the broker has closed it, and opens a channel on it at every check.
/// </summary>
public sealed class BrokerHealthCheck(Uri uri, string name) : IHealthCheck, IAsyncDisposable
{
    // Each step (connecting, opening a channel) gets this much; both together stay inside the kubelet's 3 s probe timeout.
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1.25);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is not { IsOpen: true })
            {
                await DropConnection();
                var factory = new ConnectionFactory
                {
                    Uri = uri,
                    // A closed connection is replaced by the next check, not recovered in the background.
                    AutomaticRecoveryEnabled = false,
                    TopologyRecoveryEnabled = false,
                    RequestedConnectionTimeout = Timeout,
                    RequestedHeartbeat = TimeSpan.FromSeconds(5),
                };
                // Not the check's token: the connection outlives this check. RequestedConnectionTimeout bounds the attempt.
                _connection = await factory.CreateConnectionAsync(name, CancellationToken.None);
            }
            // A round trip on every check: the broker may close a connection just after accepting it (a connection
            // limit, a vhost going away), and a broker that vanished without closing the socket only shows on use.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            await using var channel = await _connection.CreateChannelAsync(cancellationToken: timeout.Token);
            await channel.CloseAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("RabbitMQ is unreachable", e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DropConnection();
        _gate.Dispose();
    }

    private async Task DropConnection()
    {
        if (_connection is null) return;
        try
        {
            await _connection.DisposeAsync();
        }
        catch (Exception)
        {
            // Already gone with the broker; nothing to release.
        }
        _connection = null;
    }
}

public static class BrokerHealthCheckExtensions
{
    /// <summary>Adds the <c>rabbitmq</c> readiness check, on a connection of its own named after the service.</summary>
    public static IHealthChecksBuilder AddBroker(this IHealthChecksBuilder checks, Uri uri, string serviceName)
    {
        checks.Services.AddSingleton(_ => new BrokerHealthCheck(uri, $"{serviceName} readiness"));
        return checks.Add(new HealthCheckRegistration("rabbitmq", services => services.GetRequiredService<BrokerHealthCheck>(),
            HealthStatus.Unhealthy, ["ready"], 2 * BrokerHealthCheck.Timeout + TimeSpan.FromMilliseconds(250)));
    }
}
