using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Handoff.ServiceDefaults;

public static class SchemaChanges
{
    /// <summary>
    /// Whether the service creates and updates its own tables itself (<c>Database:ApplySchemaOnStart</c>, default true, so
    /// <c>./dev up</c>, Docker Compose and the tests need no step before starting). deploy/k8s sets it false: several
    /// replicas must not race to change the schema, so the db-apply Job changes it once per release and the services
    /// change nothing (Marten's AutoCreate.None, nothing applied on start).
    /// </summary>
    /// <remarks>A bool rather than a Marten helper: the Gateway shares this project and has no database.</remarks>
    public static bool ApplySchemaOnStart(this IHostApplicationBuilder builder) =>
        builder.Configuration.GetValue("Database:ApplySchemaOnStart", true);
}
