using Handoff.Testing;
using Npgsql;

namespace Handoff.Deployment.Tests;

/// <summary>
/// The db-apply Job and the schema-check init containers run the services' own Marten command line. Run here as the
/// cluster runs them: the service's build output, a command as the only argument, configuration from the environment,
/// and <c>Database:ApplySchemaOnStart</c> off, as deploy/k8s sets it for the Job and the replicas alike.
/// </summary>
public class SchemaCommandTests(IsolatedEnvironment environment) : IClassFixture<IsolatedEnvironment>
{
    /// <summary>Every table a service's code reads or writes, whether Marten or the service's own SQL uses it.</summary>
    public static TheoryData<string, string[]> Tables => new()
    {
        // The event store, the subscriptions' progress (integration events, support-floor metrics), the inline view and
        // the metrics' own document.
        { "Conversations", ["mt_events", "mt_streams", "mt_event_progression", "mt_doc_conversationview", "mt_doc_floortimes"] },
        // The delivery queue (Deliveries/DeliverySchema.cs) and the status publisher's event store.
        { "Outbound", ["deliveries", "delivery_lanes", "mt_events", "mt_streams", "mt_event_progression"] },
        // The sagas and the timers (Scheduling/ScheduledMessageStore.cs).
        { "Timeouts", ["mt_doc_conversationtimeout", "scheduled_messages"] },
    };

    public static TheoryData<string> Services => new(Tables.Select(row => (string)row[0]));

    [Theory]
    [MemberData(nameof(Tables))]
    public async Task Db_assert_holds_a_replica_back_until_db_apply_has_made_the_schema(string service, string[] tables)
    {
        var schema = environment.Schema($"{service.ToLowerInvariant()}_commands");

        var before = await Run(service, "db-assert", schema);
        Assert.True(before.ExitCode != 0, $"db-assert passed on an empty schema:\n{before.Output}");

        var apply = await Run(service, "db-apply", schema);
        Assert.True(apply.ExitCode == 0, $"db-apply failed:\n{apply.Output}");
        var missing = tables.Except(await TablesIn(schema)).ToList();
        Assert.True(missing.Count == 0, $"db-apply made no {string.Join(", ", missing)} in {schema}:\n{apply.Output}");

        var after = await Run(service, "db-assert", schema);
        Assert.True(after.ExitCode == 0, $"db-assert failed after db-apply:\n{after.Output}");
        var again = await Run(service, "db-apply", schema);
        Assert.True(again.ExitCode == 0, $"A second db-apply (the next release with no schema change) failed:\n{again.Output}");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_replica_changes_no_schema_and_works_once_db_apply_has_run(string service)
    {
        var schema = environment.Schema($"{service.ToLowerInvariant()}_replica");

        // On an empty schema it reaches for its tables (PostgreSQL's 42P01, "relation does not exist") and finds none:
        // it made none on start, nor on first use.
        await using (var replica = Start(service, schema))
        {
            await Until(replica, async () => replica.Output.Contains("42P01") || (await TablesIn(schema)).Count > 0,
                $"{service} looks for its tables");
            var made = await TablesIn(schema);
            Assert.True(made.Count == 0, $"{service} made {string.Join(", ", made)} itself");
        }

        var apply = await Run(service, "db-apply", schema);
        Assert.True(apply.ExitCode == 0, $"db-apply failed:\n{apply.Output}");

        await using (var replica = Start(service, schema))
        {
            using var http = new HttpClient { BaseAddress = replica.Url, Timeout = TimeSpan.FromSeconds(3) };
            await Until(replica, () => Ready(http), $"{service} is ready");
            Assert.True(!replica.Output.Contains("42P01"), $"{service} misses a table db-apply did not make:\n{replica.Output}");
        }
    }

    /// <summary>The service as a replica runs it, with what it needs to start; nothing reaches AltaBots or an agent.</summary>
    private Replica Start(string service, string schema)
    {
        var url = new Uri($"http://127.0.0.1:{Machine.FreePort()}");
        var dll = Dll(service);
        return new Replica(url, new RunningProcess("dotnet", [dll], Path.GetDirectoryName(dll)!, new Dictionary<string, string>
        {
            ["ConnectionStrings__RabbitMq"] = environment.RabbitMqUri.ToString(),
            ["ConnectionStrings__Postgres"] = $"{environment.PostgresConnectionString};Maximum Pool Size=10",
            ["Postgres__Schema"] = schema,
            ["Database__ApplySchemaOnStart"] = "false",
            ["ASPNETCORE_URLS"] = url.ToString(),
            ["Auth__SigningKey"] = DevToken.TestSigningKey,
            ["AltaBots__BaseUrl"] = "http://127.0.0.1:9",
            ["AltaBots__ApiKey"] = "unused",
        }));
    }

    private sealed record Replica(Uri Url, RunningProcess Process) : IAsyncDisposable
    {
        public string Output => Process.Output;
        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    /// <summary>Waits for <paramref name="condition"/>; fails with the service's output if it exits or the wait runs out.</summary>
    private static async Task Until(Replica replica, Func<Task<bool>> condition, string because)
    {
        try
        {
            await Eventually.True(async () => replica.Process.HasExited
                ? throw new InvalidOperationException($"The service exited:\n{replica.Output}")
                : await condition(), TimeSpan.FromSeconds(90), because);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{replica.Output}", e);
        }
    }

    private static async Task<bool> Ready(HttpClient http)
    {
        try
        {
            return (await http.GetAsync("/health/ready")).IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private Task<(int ExitCode, string Output)> Run(string service, string command, string schema)
    {
        var dll = Dll(service);
        // Only what the Job gives it: the database, the schema and the setting. No broker, no secrets of the running service.
        return Processes.RunAsync("dotnet", [dll, command], Path.GetDirectoryName(dll)!, new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = environment.PostgresConnectionString,
            ["Postgres__Schema"] = schema,
            ["Database__ApplySchemaOnStart"] = "false",
        }, TimeSpan.FromMinutes(2));
    }

    private async Task<IReadOnlyList<string>> TablesIn(string schema)
    {
        await using var connection = new NpgsqlConnection(environment.PostgresConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("select table_name from information_schema.tables where table_schema = @schema", connection);
        query.Parameters.AddWithValue("schema", schema);
        var tables = new List<string>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        return tables;
    }

    /// <summary>The service's dll, built beside this test assembly in the same configuration.</summary>
    private static string Dll(string service)
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = Repository.Path("services", service, "bin", testBin.Parent!.Name, testBin.Name, $"Handoff.{service}.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the solution first: {dll} is missing");
    }
}
