using System.Net.Http.Headers;
using System.Text;
using Npgsql;
using Xunit;

namespace Handoff.Testing;

/// <summary>
/// A RabbitMQ virtual host and a PostgreSQL schema prefix of one test class's own, so test classes
/// run in any order and leave nothing behind. Use it as an xunit class fixture.
/// </summary>
public class IsolatedEnvironment : IAsyncLifetime
{
    public string Id { get; } = "t" + Guid.NewGuid().ToString("N")[..12];
    public TestInfrastructure Infrastructure { get; private set; } = null!;

    public string VirtualHost => Id;
    public string PostgresConnectionString => Infrastructure.Postgres;

    public Uri RabbitMqUri => new UriBuilder(Infrastructure.RabbitMq) { Path = "/" + VirtualHost }.Uri;

    /// <summary>The schema a service named <paramref name="service"/> uses in this environment.</summary>
    public string Schema(string service) => $"{Id}_{service}";

    /// <summary>Configuration for one service hosted in this environment, ASP.NET key style.</summary>
    public Dictionary<string, string?> ServiceConfiguration(string service) => new()
    {
        ["ConnectionStrings:RabbitMq"] = RabbitMqUri.ToString(),
        ["ConnectionStrings:Postgres"] = PostgresConnectionString,
        ["Postgres:Schema"] = Schema(service),
    };

    /// <summary>The same as <see cref="ServiceConfiguration"/> in environment-variable style, for child processes.</summary>
    public Dictionary<string, string> ServiceEnvironment(string service) =>
        ServiceConfiguration(service).ToDictionary(kv => kv.Key.Replace(":", "__"), kv => kv.Value ?? "");

    public virtual async Task InitializeAsync()
    {
        Infrastructure = await TestInfrastructure.GetAsync();
        using var http = ManagementClient();
        (await http.PutAsync($"api/vhosts/{VirtualHost}", null)).EnsureSuccessStatusCode();
        var user = Uri.UnescapeDataString(Infrastructure.RabbitMq.UserInfo.Split(':')[0]);
        var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
        (await http.PutAsync($"api/permissions/{VirtualHost}/{user}", permissions)).EnsureSuccessStatusCode();
    }

    public virtual async Task DisposeAsync()
    {
        if (Infrastructure is null) return; // set-up failed before anything was made
        using (var http = ManagementClient())
            await http.DeleteAsync($"api/vhosts/{VirtualHost}");

        await using var connection = new NpgsqlConnection(PostgresConnectionString);
        await connection.OpenAsync();
        await using var find = new NpgsqlCommand(
            "select nspname from pg_namespace where nspname like @prefix", connection);
        find.Parameters.AddWithValue("prefix", Id + "\\_%");
        var schemas = new List<string>();
        await using (var reader = await find.ExecuteReaderAsync())
            while (await reader.ReadAsync()) schemas.Add(reader.GetString(0));
        foreach (var schema in schemas)
        {
            await using var drop = new NpgsqlCommand($"drop schema if exists \"{schema}\" cascade", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    /// <summary>A client of the RabbitMQ management API, signed in with the tests' broker credentials.</summary>
    public HttpClient ManagementClient()
    {
        var management = Infrastructure.RabbitMqManagement;
        var http = new HttpClient { BaseAddress = new UriBuilder(management) { UserName = "", Password = "" }.Uri };
        var credentials = Uri.UnescapeDataString(management.UserInfo);
        http.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return http;
    }
}
