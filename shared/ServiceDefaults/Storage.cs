using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Handoff.ServiceDefaults;

public static class Storage
{
    /// <summary>
    /// The PostgreSQL connection (<c>ConnectionStrings:Postgres</c>) and the schema this service owns
    /// (<c>Postgres:Schema</c>). Each service keeps to its own schema, so they can share one database.
    /// </summary>
    public static (string ConnectionString, string Schema) PostgresSettings(this IHostApplicationBuilder builder, string defaultSchema)
    {
        var connectionString = builder.Configuration.GetConnectionString("Postgres")
            ?? "Host=127.0.0.1;Port=5432;Database=handoff;Username=postgres;Password=postgres";
        var schema = builder.Configuration["Postgres:Schema"] ?? defaultSchema;
        return (connectionString, schema);
    }
}
