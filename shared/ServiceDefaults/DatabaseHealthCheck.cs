using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Handoff.ServiceDefaults;

/// <summary>
/// Ready only while the database answers a query. Opening a connection is not enough: a pooled connection opens
/// without a round trip, so a server that went away would still look reachable.
/// </summary>
public sealed class DatabaseHealthCheck(Func<DbConnection> connect) : IHealthCheck
{
    // Well inside the kubelet's 3 s probe timeout (deploy/k8s), so a database that hangs reads as down, not as a slow probe.
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = connect();
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "select 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable", e);
        }
    }
}

public static class DatabaseHealthCheckExtensions
{
    /// <summary>Adds the <c>postgres</c> readiness check over connections made by <paramref name="connect"/>.</summary>
    public static IHealthChecksBuilder AddDatabase(this IHealthChecksBuilder checks, Func<IServiceProvider, DbConnection> connect) =>
        checks.Add(new HealthCheckRegistration("postgres", services => new DatabaseHealthCheck(() => connect(services)),
            HealthStatus.Unhealthy, ["ready"], DatabaseHealthCheck.Timeout));
}
