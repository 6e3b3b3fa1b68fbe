using Handoff.Testing;
using Npgsql;

namespace Handoff.Deployment.Tests;

/// <summary>
/// The db-apply Job and the schema-check init containers run the services' own Marten command line. Run here as the
/// cluster runs them: the service's build output, a command as the only argument, configuration from the environment.
/// </summary>
public class SchemaCommandTests(IsolatedEnvironment environment) : IClassFixture<IsolatedEnvironment>
{
    public static TheoryData<string, string> Services => new()
    {
        { "Conversations", "mt_events" },
        { "Outbound", "deliveries" }, // the delivery queue (Deliveries/DeliverySchema.cs)
        { "Timeouts", "mt_doc_conversationtimeout" },
        { "Timeouts", "scheduled_messages" }, // the timers (Scheduling/ScheduledMessageStore.cs)
    };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Db_assert_holds_a_replica_back_until_db_apply_has_made_the_schema(string service, string table)
    {
        // A schema per case: two cases of one service must each start from an empty schema.
        var schema = environment.Schema($"{service.ToLowerInvariant()}_{table}");

        var before = await Run(service, "db-assert", schema);
        Assert.True(before.ExitCode != 0, $"db-assert passed on an empty schema:\n{before.Output}");

        var apply = await Run(service, "db-apply", schema);
        Assert.True(apply.ExitCode == 0, $"db-apply failed:\n{apply.Output}");
        Assert.True(await TableExists(schema, table), $"db-apply made no {schema}.{table}");

        var after = await Run(service, "db-assert", schema);
        Assert.True(after.ExitCode == 0, $"db-assert failed after db-apply:\n{after.Output}");
        var again = await Run(service, "db-apply", schema);
        Assert.True(again.ExitCode == 0, $"A second db-apply (the next release with no schema change) failed:\n{again.Output}");
    }

    private Task<(int ExitCode, string Output)> Run(string service, string command, string schema)
    {
        var dll = Dll(service);
        // Only what the Job gives it: the database and the schema. No broker, no secrets of the running service.
        return Processes.RunAsync("dotnet", [dll, command], Path.GetDirectoryName(dll)!, new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = environment.PostgresConnectionString,
            ["Postgres__Schema"] = schema,
        }, TimeSpan.FromMinutes(2));
    }

    private async Task<bool> TableExists(string schema, string table)
    {
        await using var connection = new NpgsqlConnection(environment.PostgresConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("select count(*) from information_schema.tables where table_schema = @schema and table_name = @table", connection);
        query.Parameters.AddWithValue("schema", schema);
        query.Parameters.AddWithValue("table", table);
        return (long)(await query.ExecuteScalarAsync())! == 1;
    }

    /// <summary>The service's dll, built beside this test assembly in the same configuration.</summary>
    private static string Dll(string service)
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = Repository.Path("services", service, "bin", testBin.Parent!.Name, testBin.Name, $"Handoff.{service}.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the solution first: {dll} is missing");
    }
}
