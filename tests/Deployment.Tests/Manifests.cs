using System.Text.Json.Nodes;

namespace Handoff.Deployment.Tests;

/// <summary>Ways into rendered manifests: workloads, their pod specs and containers, and which service a container runs.</summary>
public static class Manifests
{
    public static IEnumerable<JsonObject> OfKind(this IEnumerable<JsonObject> resources, string kind) =>
        resources.Where(r => (string?)r["kind"] == kind);

    public static string Name(this JsonObject resource) => (string)resource["metadata"]!["name"]!;

    public static JsonObject PodSpec(this JsonObject workload) => (JsonObject)workload["spec"]!["template"]!["spec"]!;

    public static IEnumerable<JsonObject> Containers(this JsonObject podSpec, bool includeInit = true) =>
        Items(podSpec["containers"]).Concat(includeInit ? Items(podSpec["initContainers"]) : []);

    public static IEnumerable<JsonObject> Items(JsonNode? list) => list?.AsArray().Select(n => (JsonObject)n!) ?? [];

    /// <summary>The Handoff service whose image a container runs (handoff/gateway:1.0 → Gateway), or null for anything else.</summary>
    public static string? Service(this JsonObject container)
    {
        var image = (string)container["image"]!;
        var repository = image.Split('@')[0];
        if (repository.LastIndexOf(':') > repository.LastIndexOf('/')) repository = repository[..repository.LastIndexOf(':')];
        return Repository.Services.FirstOrDefault(s => repository.EndsWith(SourceFacts.Container(s).Repository!, StringComparison.Ordinal));
    }

    /// <summary>Every environment variable a container gets: its env list and the keys of the ConfigMaps it loads whole.</summary>
    public static IEnumerable<string> EnvironmentKeys(this JsonObject container, IReadOnlyList<JsonObject> resources)
    {
        foreach (var variable in Items(container["env"])) yield return (string)variable["name"]!;
        foreach (var source in Items(container["envFrom"]))
        {
            if (source["configMapRef"]?["name"] is not { } name) continue;
            var map = resources.OfKind("ConfigMap").Single(c => c.Name() == (string)name!);
            foreach (var key in map["data"]?.AsObject().Select(kv => kv.Key) ?? []) yield return key;
        }
    }

    public static string? Literal(this JsonObject container, string variable) =>
        (string?)Items(container["env"]).FirstOrDefault(v => (string?)v["name"] == variable)?["value"];

    /// <summary>The value a container gets for <paramref name="variable"/>: a literal in its env list, else from a ConfigMap it loads whole.</summary>
    public static string? Value(this JsonObject container, string variable, IReadOnlyList<JsonObject> resources) =>
        container.Literal(variable) ?? Items(container["envFrom"])
            .Select(source => (string?)source["configMapRef"]?["name"])
            .Select(name => resources.OfKind("ConfigMap").SingleOrDefault(c => c.Name() == name)?["data"]?[variable])
            .LastOrDefault(value => value is not null)?.ToString();

    public static JsonObject PodLabels(this JsonObject workload) => (JsonObject)workload["spec"]!["template"]!["metadata"]!["labels"]!;

    /// <summary>Whether a label selector (a NetworkPolicy's podSelector, a peer's) picks pods with these labels.</summary>
    public static bool Selects(JsonNode? selector, JsonObject labels)
    {
        if (selector is null) return false;
        string? Label(string key) => (string?)labels[key];
        var matchLabels = selector["matchLabels"]?.AsObject() ?? [];
        if (matchLabels.Any(kv => Label(kv.Key) != (string?)kv.Value)) return false;
        return Items(selector["matchExpressions"]).All(e =>
        {
            var value = Label((string)e["key"]!);
            var values = e["values"]?.AsArray().Select(v => (string?)v).ToList() ?? [];
            return (string?)e["operator"] switch
            {
                "In" => value is not null && values.Contains(value),
                "NotIn" => value is null || !values.Contains(value),
                "Exists" => value is not null,
                "DoesNotExist" => value is null,
                _ => false,
            };
        });
    }

    /// <summary>The NetworkPolicies that apply to a workload's pods.</summary>
    public static IEnumerable<JsonObject> PoliciesFor(this IReadOnlyList<JsonObject> resources, JsonObject workload) =>
        resources.OfKind("NetworkPolicy").Where(p => Selects(p["spec"]!["podSelector"], workload.PodLabels()));
}
