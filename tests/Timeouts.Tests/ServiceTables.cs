using Handoff.Testing;
using Npgsql;

namespace Handoff.Timeouts.Tests;

/// <summary>The Timeouts service's tables, read straight from PostgreSQL: what a test checks it stored.</summary>
public static class ServiceTables
{
    /// <summary>
    /// Runs <paramref name="sql"/> with <c>{schema}</c> standing for the service's schema, and returns its single value
    /// as a number (0 for no value, or when the service has not made its tables yet).
    /// </summary>
    public static async Task<long> Scalar(this IsolatedEnvironment env, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(env.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{schema}", $"\"{env.Schema("timeouts")}\""), connection);
        foreach (var parameter in parameters)
            command.Parameters.AddWithValue(parameter);
        try
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    public static Task<long> ScheduledMessages(this IsolatedEnvironment env) => env.Scalar("select count(*) from {schema}.scheduled_messages");
}
