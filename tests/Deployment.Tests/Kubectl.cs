using System.Diagnostics;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Handoff.Deployment.Tests;

/// <summary>A fact that needs kubectl: skipped, saying why, where it is not installed (it is here and in CI).</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (!Kubectl.Installed) Skip = "kubectl is not on PATH: install it (client 1.27+, with kustomize) to check deploy/k8s";
    }
}

/// <inheritdoc cref="KubectlFactAttribute"/>
public sealed class KubectlTheoryAttribute : TheoryAttribute
{
    public KubectlTheoryAttribute()
    {
        if (!Kubectl.Installed) Skip = "kubectl is not on PATH: install it (client 1.27+, with kustomize) to check deploy/k8s";
    }
}

public static class Kubectl
{
    public static readonly string[] Overlays = ["dev", "production"];

    public static bool Installed { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(System.IO.Path.PathSeparator).Any(dir => File.Exists(System.IO.Path.Combine(dir, "kubectl")));

    private static readonly Dictionary<string, IReadOnlyList<JsonObject>> Rendered = [];

    /// <summary>What <c>kubectl kustomize</c> makes of a folder under deploy/k8s, one JSON object per resource. Offline.</summary>
    public static IReadOnlyList<JsonObject> Kustomize(string folder)
    {
        lock (Rendered)
        {
            if (Rendered.TryGetValue(folder, out var cached)) return cached;
            var start = new ProcessStartInfo("kubectl", ["kustomize", Repository.Path("deploy", "k8s", folder)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"kubectl kustomize {folder} failed ({process.ExitCode}):\n{stderr}");

            var yaml = new YamlStream();
            yaml.Load(new StringReader(stdout.Result));
            var resources = yaml.Documents.Select(d => (JsonObject)ToJson(d.RootNode)!).ToList();
            Rendered[folder] = resources;
            return resources;
        }
    }

    /// <summary>Scalars stay strings: the checks compare text, as Kubernetes would read it.</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, ToJson(kv.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => scalar.Value is null ? null : JsonValue.Create(scalar.Value),
        _ => null,
    };
}
