using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Handoff.Deployment.Tests;

/// <summary>
/// What the code says about each service, read from its sources, so the manifests are checked against the code and
/// not against a second hand-written list: the health endpoints it maps, the configuration keys it reads, the image
/// its project publishes.
/// </summary>
public static partial class SourceFacts
{
    /// <summary>Read by .NET or the OpenTelemetry SDK rather than by our code; each is named, none is a wildcard of ours.</summary>
    private static readonly string[] FrameworkKeys =
    [
        "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", // OpenTelemetry SDK resource detection
        "shutdownTimeoutSeconds", // HostOptions: how long the host waits for consumers on SIGTERM
    ];

    private static readonly string[] FrameworkPrefixes = ["ASPNETCORE_", "DOTNET_", "Logging:"];

    /// <summary>The paths ServiceDefaults maps with MapHealthChecks, if the service's Program.cs maps them.</summary>
    public static IReadOnlySet<string> HealthPaths(string service)
    {
        var program = File.ReadAllText(Repository.Path("services", service, "Program.cs"));
        if (!program.Contains("MapDefaultEndpoints()")) return new HashSet<string>();
        var defaults = File.ReadAllText(Repository.Path("shared", "ServiceDefaults", "Extensions.cs"));
        return MapHealthChecks().Matches(defaults).Select(m => m.Groups[1].Value).ToHashSet();
    }

    /// <summary>
    /// Configuration keys (in <c>Section:Key</c> form) the service reads: the properties of its options classes under
    /// their section, connection string names, key literals in its code and in the ServiceDefaults it calls, and the
    /// subtrees it hands whole to a library (<c>GetSection("ReverseProxy")</c>).
    /// </summary>
    public static ServiceKeys ConfigurationKeys(string service)
    {
        var sources = CSharpFiles(Repository.Path("services", service)).ToList();
        var own = string.Join("\n", sources.Select(File.ReadAllText));
        sources.Add(Repository.Path("shared", "ServiceDefaults", "Extensions.cs"));
        sources.Add(Repository.Path("shared", "ServiceDefaults", "Messaging.cs"));
        if (own.Contains("PostgresSettings(")) sources.Add(Repository.Path("shared", "ServiceDefaults", "Storage.cs"));
        if (own.Contains("AddAgentAuth(")) sources.Add(Repository.Path("shared", "ServiceDefaults", "AgentAuth.cs"));
        if (own.Contains("ApplySchemaOnStart(")) sources.Add(Repository.Path("shared", "ServiceDefaults", "SchemaChanges.cs"));

        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var subtrees = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in sources)
        {
            var code = File.ReadAllText(file);
            foreach (var (section, properties) in OptionsClasses(code))
                foreach (var (type, name) in properties)
                {
                    keys.Add($"{section}:{name}");
                    // A property of a class type (RateLimits:Webhooks, a WindowLimit) is bound with all its own properties.
                    if (!SimpleTypes.Contains(type.TrimEnd('?')) && !type.EndsWith("[]")) subtrees.Add($"{section}:{name}");
                }
            foreach (Match m in ConnectionString().Matches(code)) keys.Add($"ConnectionStrings:{m.Groups[1].Value}");
            foreach (Match m in KeyLiteral().Matches(code)) keys.Add(m.Groups[1].Value);
            foreach (Match m in IndexerLiteral().Matches(code)) keys.Add(m.Groups[1].Value);
            foreach (Match m in SectionLiteral().Matches(code)) subtrees.Add(m.Groups[1].Value);
        }
        return new ServiceKeys(keys, subtrees);
    }

    public sealed record ServiceKeys(IReadOnlySet<string> Keys, IReadOnlySet<string> Subtrees)
    {
        /// <summary>Whether an environment variable (<c>Section__Key</c>, list items as <c>__0</c>) is one the service reads.</summary>
        public bool Reads(string environmentKey)
        {
            if (FrameworkKeys.Contains(environmentKey)) return true;
            var key = environmentKey.Replace("__", ":");
            if (FrameworkPrefixes.Any(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase))) return true;
            // A list item (Gateway__PathPrefixes__0) is read through its list.
            while (ListIndex().IsMatch(key)) key = ListIndex().Replace(key, "");
            return Keys.Contains(key) || Subtrees.Any(s => key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>The clusters the Gateway's proxy routes to (<c>ReverseProxy:Clusters</c> in its appsettings.json).</summary>
    public static IReadOnlyList<string> ProxyClusters()
    {
        var settings = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Repository.Path("services", "Gateway", "appsettings.json")),
            documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
        return settings["ReverseProxy"]!["Clusters"]!.AsObject().Select(kv => kv.Key).ToList();
    }

    /// <summary>The image repository and port the service's project publishes (its ContainerRepository and ContainerPort).</summary>
    public static (string? Repository, IReadOnlyList<string> Ports, string? Family, string? User) Container(string service)
    {
        var project = XDocument.Load(Repository.Path("services", service, $"Handoff.{service}.csproj"));
        string? Property(string name) => project.Descendants(name).Select(e => e.Value).LastOrDefault();
        var ports = project.Descendants("ContainerPort").Select(e => (string)e.Attribute("Include")!).ToList();
        return (Property("ContainerRepository"), ports, Property("ContainerFamily"),
            Property("ContainerUser"));
    }

    private static IEnumerable<string> CSharpFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{System.IO.Path.DirectorySeparatorChar}bin{System.IO.Path.DirectorySeparatorChar}")
                        && !f.Contains($"{System.IO.Path.DirectorySeparatorChar}obj{System.IO.Path.DirectorySeparatorChar}"));

    /// <summary>Each class or record with a <c>Section</c> constant, with the names of its public settable properties.</summary>
    private static IEnumerable<(string Section, IReadOnlyList<(string Type, string Name)> Properties)> OptionsClasses(string code)
    {
        foreach (Match section in SectionConstant().Matches(code))
        {
            var declaration = code.LastIndexOf(" class ", section.Index, StringComparison.Ordinal);
            var record = code.LastIndexOf(" record ", section.Index, StringComparison.Ordinal);
            var start = code.IndexOf('{', Math.Max(declaration, record));
            var depth = 0;
            var end = start;
            for (; end < code.Length; end++)
            {
                if (code[end] == '{') depth++;
                else if (code[end] == '}' && --depth == 0) break;
            }
            var body = code[start..end];
            yield return (section.Groups[1].Value, SettableProperty().Matches(body).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList());
        }
    }

    private static readonly string[] SimpleTypes = ["string", "bool", "int", "long", "double", "decimal", "TimeSpan", "Uri", "DateTimeOffset"];

    [GeneratedRegex("MapHealthChecks\\(\"([^\"]+)\"")]
    private static partial Regex MapHealthChecks();

    [GeneratedRegex("""const string Section = "([A-Za-z:]+)";""")]
    private static partial Regex SectionConstant();

    [GeneratedRegex("""public (?:required )?([\w<>\[\]?,. ]+) (\w+) \{ get; (?:set|init);""")]
    private static partial Regex SettableProperty();

    [GeneratedRegex("""GetConnectionString\("(\w+)"\)""")]
    private static partial Regex ConnectionString();

    /// <summary>A key literal in code: <c>"Section:Key"</c>, as in <c>Configuration["Postgres:Schema"]</c> or a key constant.</summary>
    [GeneratedRegex("\"([A-Z][A-Za-z]+(?::[A-Z][A-Za-z]+)+)\"")]
    private static partial Regex KeyLiteral();

    [GeneratedRegex("""Configuration\["([^"]+)"\]""")]
    private static partial Regex IndexerLiteral();

    [GeneratedRegex("""GetSection\("([A-Za-z:]+)"\)""")]
    private static partial Regex SectionLiteral();

    [GeneratedRegex(@":\d+$")]
    private static partial Regex ListIndex();
}
