using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Handoff.Testing;

/// <summary>
/// deploy/grafana/handoff.json and the Prometheus metric names its queries read. Each name belongs to a family, and
/// the service tests named for a family compare its names with what that service's /metrics really prints, so the
/// dashboard cannot drift from the code or from the exporter's naming.
/// </summary>
public static partial class Dashboard
{
    /// <summary>Metric-name prefix → the service whose tests scrape it.</summary>
    public static readonly IReadOnlyDictionary<string, string> Families = new Dictionary<string, string>
    {
        ["handoff_conversations_"] = "Conversations",
        ["http_server_"] = "Conversations",
        ["messaging_masstransit_"] = "Conversations",
        ["marten_"] = "Conversations",
        ["db_client_"] = "Conversations",
        ["target_info"] = "Conversations",
        ["handoff_outbound_"] = "Outbound",
        ["handoff_timeouts_"] = "Timeouts",
    };

    public static string FilePath { get; } = Path.Combine(RepositoryRoot(), "deploy", "grafana", "handoff.json");

    public static JsonObject Load() => JsonNode.Parse(File.ReadAllText(FilePath))!.AsObject();

    /// <summary>Every PromQL query in the dashboard: the panels' targets and the query variables.</summary>
    public static IReadOnlyList<string> Queries()
    {
        var dashboard = Load();
        var panels = Panels(dashboard["panels"]?.AsArray());
        var targets = panels.SelectMany(p => p["targets"]?.AsArray() ?? []).Select(t => (string?)t?["expr"]);
        var variables = (dashboard["templating"]?["list"]?.AsArray() ?? []).Where(v => (string?)v?["type"] == "query")
            .Select(v => v!["query"] is JsonObject query ? (string?)query["query"] : (string?)v["query"]);
        return targets.Concat(variables).OfType<string>().ToList();
    }

    public static IEnumerable<JsonObject> Panels(JsonArray? panels) =>
        (panels ?? []).OfType<JsonObject>().SelectMany(p => Panels(p["panels"]?.AsArray()).Prepend(p));

    public static IReadOnlySet<string> MetricNames() => Queries().SelectMany(MetricNamesIn).ToHashSet();

    /// <summary>The names the dashboard reads whose family <paramref name="service"/>'s tests scrape.</summary>
    public static IReadOnlySet<string> MetricNamesOf(string service) =>
        MetricNames().Where(n => Families.Any(f => f.Value == service && n.StartsWith(f.Key, StringComparison.Ordinal))).ToHashSet();

    /// <summary>
    /// Scrapes until every name the dashboard reads from <paramref name="service"/>'s families is printed, and fails
    /// naming the missing ones otherwise. Returns the last scrape.
    /// </summary>
    public static async Task<string> AssertScrapedBy(string service, Func<Task<string>> scrape, TimeSpan? timeout = null)
    {
        var wanted = MetricNamesOf(service);
        Xunit.Assert.NotEmpty(wanted);
        // A metric appears in the scrape once it was first recorded, which can lag what the test did.
        try
        {
            return await Eventually.Get(async () =>
            {
                var text = await scrape();
                return wanted.IsSubsetOf(ScrapedNames(text)) ? text : null;
            }, timeout ?? TimeSpan.FromSeconds(15), $"{service}'s /metrics prints every metric the dashboard reads");
        }
        catch (TimeoutException)
        {
            var scraped = ScrapedNames(await scrape());
            var missing = wanted.Except(scraped).Order().ToList();
            var families = Families.Keys.Where(f => missing.Any(m => m.StartsWith(f, StringComparison.Ordinal)));
            var printed = scraped.Where(n => families.Any(f => n.StartsWith(f, StringComparison.Ordinal))).Order();
            Xunit.Assert.Fail($"deploy/grafana/handoff.json reads metrics {service}'s /metrics does not print: {string.Join(", ", missing)}. " +
                              $"It prints, in those families: {string.Join(", ", printed)}");
            throw;
        }
    }

    /// <summary>The metric names in one PromQL expression (or Grafana <c>label_values(metric, label)</c>).</summary>
    public static IEnumerable<string> MetricNamesIn(string query)
    {
        var q = LabelValues().Replace(query, "$1");
        q = Quoted().Replace(q, "");
        q = Braces().Replace(q, "");
        q = Brackets().Replace(q, "");
        q = Grouping().Replace(q, "");
        return Identifier().Matches(q).Select(m => m.Value).Where(name => !Keywords.Contains(name));
    }

    /// <summary>The metric names in a Prometheus text exposition (a /metrics response).</summary>
    public static IReadOnlySet<string> ScrapedNames(string exposition) =>
        exposition.Split('\n').Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => SampleName().Match(line)).Where(m => m.Success).Select(m => m.Value).ToHashSet();

    private static readonly HashSet<string> Keywords =
    [
        "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset",
        "sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values",
        "inf", "nan",
    ];

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Handoff.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Handoff.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{[^}]*\})?\s*,\s*\w+\s*\)")]
    private static partial Regex LabelValues();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Brackets();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    // A name not followed by "(" (that is a function) nor part of a number or a $variable.
    [GeneratedRegex(@"(?<![\w$.])[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex SampleName();
}
