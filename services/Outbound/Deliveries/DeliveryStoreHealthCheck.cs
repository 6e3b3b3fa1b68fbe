using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Handoff.Outbound.Deliveries;

/// <summary>Without PostgreSQL no delivery can be recorded, so every one would be retried and then faulted: not ready.</summary>
public sealed class DeliveryStoreHealthCheck(IDocumentStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(cancellationToken);
            // A pooled connection opens without a round trip: only a query shows the server still answers.
            await using var command = connection.CreateCommand();
            command.CommandText = "select 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable", e);
        }
    }
}
