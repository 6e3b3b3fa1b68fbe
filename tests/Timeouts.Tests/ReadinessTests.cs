using System.Net;
using Handoff.Testing;
using Npgsql;

namespace Handoff.Timeouts.Tests;

/// <summary>
/// /health/ready follows the database: down within seconds of losing it, up again after. The server is shared by
/// everyone on this machine and stays up; what is taken away is this test's own login. (The broker's side is tested on
/// the Gateway, in Gateway.Tests.)
/// </summary>
public class ReadinessTests(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(5);
    // The kubelet probes every 5 s and acts after two failures (deploy/k8s); going unready must take about that long at most.
    private static readonly TimeSpan NoticedWithin = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RecoveredWithin = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Ready_turns_unhealthy_when_the_database_refuses_the_service_and_healthy_once_it_accepts_it_again()
    {
        // A login role of the test's own, so that refusing it touches nobody else on the shared server.
        var role = $"{env.Id}_service";
        var password = Guid.NewGuid().ToString("N");
        await Admin($"create role \"{role}\" login password '{password}'; grant create, connect on database \"{Database}\" to \"{role}\"");
        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(env.PostgresConnectionString) { Username = role, Password = password }.ConnectionString;
            await using (var host = await TimeoutsHost.StartAsync(env, Idle, new Dictionary<string, string> { ["ConnectionStrings:Postgres"] = connectionString }))
            {
                using var client = host.CreateClient();

                await Admin($"alter role \"{role}\" nologin; select pg_terminate_backend(pid) from pg_stat_activity where usename = '{role}'");
                await ReadyBecomes(client, HttpStatusCode.ServiceUnavailable, NoticedWithin, "ready fails without the database");

                await Admin($"alter role \"{role}\" login");
                await ReadyBecomes(client, HttpStatusCode.OK, RecoveredWithin, "ready again once the database accepts the service");
            }
        }
        finally
        {
            // The schemas the service made belong to the role; the fixture drops them by name later, so hand them over first.
            await Admin($"reassign owned by \"{role}\" to current_user; drop owned by \"{role}\"; drop role \"{role}\"");
        }
    }

    private static Task ReadyBecomes(HttpClient client, HttpStatusCode status, TimeSpan within, string because) =>
        Eventually.True(async () => (await client.GetAsync("/health/ready")).StatusCode == status, within, because);

    private string Database => new NpgsqlConnectionStringBuilder(env.PostgresConnectionString).Database!;

    private async Task Admin(string sql)
    {
        await using var connection = new NpgsqlConnection(env.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
