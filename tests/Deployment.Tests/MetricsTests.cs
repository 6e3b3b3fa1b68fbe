using System.Text.Json.Nodes;
using Handoff.Testing;

namespace Handoff.Deployment.Tests;

/// <summary>
/// Prometheus can scrape every service, on a port nothing public reaches, and the Grafana dashboard reads only metric
/// names that a service test checks against a real /metrics (<see cref="Dashboard.Families"/>).
/// </summary>
public class MetricsTests
{
    public static TheoryData<string> Overlays => new(Kubectl.Overlays);

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Every_service_is_scraped_on_its_metrics_port_which_Prometheus_may_reach_and_no_Service_exposes(string overlay)
    {
        var resources = Kubectl.Kustomize($"overlays/{overlay}");

        foreach (var deployment in resources.OfKind("Deployment"))
        {
            var where = $"{overlay}: {deployment.Name()}";
            var annotations = deployment["spec"]!["template"]!["metadata"]!["annotations"];
            Assert.True((string?)annotations?["prometheus.io/scrape"] == "true", $"{where} is not annotated for scraping");
            Assert.Equal("/metrics", (string?)annotations?["prometheus.io/path"]);
            var port = (string?)annotations?["prometheus.io/port"];

            var container = deployment.PodSpec().Containers(includeInit: false).Single();
            // The code serves /metrics on Metrics:Port only (shared/ServiceDefaults/Extensions.cs); Kestrel must listen there too.
            Assert.Equal(port, container.Value("Metrics__Port", resources));
            Assert.Contains(port, container.Value("ASPNETCORE_HTTP_PORTS", resources)?.Split(';') ?? []);
            Assert.Contains(Manifests.Items(container["ports"]), p => (string?)p["containerPort"] == port);

            var services = resources.OfKind("Service").Where(s => Manifests.Selects(
                new JsonObject { ["matchLabels"] = s["spec"]!["selector"]!.DeepClone() }, deployment.PodLabels()));
            Assert.All(services, s => Assert.DoesNotContain(Manifests.Items(s["spec"]!["ports"]),
                p => (string?)p["targetPort"] == port || (string?)p["targetPort"] == "metrics" || (string?)p["port"] == port));

            Assert.True(resources.PoliciesFor(deployment).Any(policy => Manifests.Items(policy["spec"]!["ingress"]).Any(rule =>
                    Manifests.Items(rule["from"]).Any() && Manifests.Items(rule["ports"]).Any(p => (string?)p["port"] == port))),
                $"{where}: no NetworkPolicy lets Prometheus in on {port}");
        }
    }

    [Fact]
    public void The_dashboard_selects_a_Prometheus_data_source_a_namespace_services_and_bots()
    {
        var dashboard = Dashboard.Load();
        var variables = dashboard["templating"]!["list"]!.AsArray().Select(v => (string?)v!["name"]).ToList();
        Assert.Equal(["datasource", "namespace", "service", "bot"], variables);

        var panels = Dashboard.Panels(dashboard["panels"]!.AsArray()).Where(p => (string?)p["type"] != "row").ToList();
        Assert.True(panels.Count >= 20, $"only {panels.Count} panels");
        Assert.Equal(panels.Count, panels.Select(p => (int)p["id"]!).Distinct().Count());
        foreach (var panel in panels)
        {
            Assert.Equal("${datasource}", (string?)panel["datasource"]?["uid"]);
            var targets = panel["targets"]!.AsArray();
            Assert.NotEmpty(targets);
            // Every query keeps to the namespace chosen, so two deployments in one Prometheus never mix.
            Assert.All(targets, t => Assert.Contains("namespace=~\"$namespace\"", (string)t!["expr"]!));
        }
    }

    [Fact]
    public void Every_metric_the_dashboard_reads_is_of_a_family_a_service_test_scrapes()
    {
        var names = Dashboard.MetricNames();
        Assert.True(names.Count >= 20, $"found only {names.Count} metric names: the parser lost some ({string.Join(", ", names)})");
        var unscraped = names.Where(n => !Dashboard.Families.Keys.Any(f => n.StartsWith(f, StringComparison.Ordinal))).ToList();
        Assert.True(unscraped.Count == 0, $"no service test scrapes these (add a family to Dashboard.Families and a test that prints them): {string.Join(", ", unscraped)}");
        foreach (var service in Dashboard.Families.Values.Distinct())
            Assert.NotEmpty(Dashboard.MetricNamesOf(service));
    }

    [Fact]
    public void The_metric_name_reader_finds_the_metrics_of_a_query_and_nothing_else()
    {
        Assert.Equal(["handoff_x_seconds_bucket"], Dashboard.MetricNamesIn(
            "histogram_quantile(0.9, sum by (le, bot_id) (rate(handoff_x_seconds_bucket{namespace=~\"$namespace\", reason=\"a b\"}[$__rate_interval])))"));
        Assert.Equal(["a_total", "b"], Dashboard.MetricNamesIn("sum without (pod) (increase(a_total[1h])) / on (x) group_left max(b) * 60"));
        Assert.Equal(["target_info"], Dashboard.MetricNamesIn("label_values(target_info{service_name=~\"handoff-.*\"}, namespace)"));
    }
}
