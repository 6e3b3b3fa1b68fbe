using System.Text.Json.Nodes;

namespace Handoff.Deployment.Tests;

/// <summary>deploy/k8s renders, and what it renders agrees with the code it deploys.</summary>
public class ManifestTests
{
    public static TheoryData<string> Overlays => new(Kubectl.Overlays);

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Every_overlay_renders_a_Deployment_and_a_Service_per_service(string overlay)
    {
        var resources = Kubectl.Kustomize($"overlays/{overlay}");

        foreach (var service in Repository.Services.Select(s => s.ToLowerInvariant()))
        {
            Assert.Contains(resources.OfKind("Deployment"), d => d.Name() == service);
            Assert.Contains(resources.OfKind("Service"), s => s.Name() == service);
            Assert.Contains(resources.OfKind("PodDisruptionBudget"), p => p.Name() == service);
        }
        Assert.Equal(["conversations", "gateway", "outbound"], resources.OfKind("HorizontalPodAutoscaler").Select(h => h.Name()).Order());
        Assert.Single(resources.OfKind("Ingress"), i => (string?)i["spec"]!["rules"]![0]!["http"]!["paths"]![0]!["backend"]!["service"]!["name"] == "gateway");
        Assert.Contains(resources.OfKind("Job"), j => j.PodSpec().Containers().All(c => (string?)c["args"]?[0] == "db-apply"));
        Assert.NotEmpty(resources.OfKind("NetworkPolicy"));
        Assert.Empty(resources.OfKind("Secret"));
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void The_services_that_validate_tokens_share_one_configuration_and_may_reach_its_identity_provider(string overlay)
    {
        var resources = Kubectl.Kustomize($"overlays/{overlay}");
        var validating = Repository.Services.Where(s => SourceFacts.ConfigurationKeys(s).Reads("Auth__Authority")).ToList();
        Assert.Equal(["Conversations", "Outbound"], validating);

        var deployments = validating.Select(s => resources.OfKind("Deployment").Single(d => d.Name() == s.ToLowerInvariant())).ToList();
        string? Setting(JsonObject deployment, string key) => deployment.PodSpec().Containers(includeInit: false).Single().Value(key, resources);
        // A token the Gateway lets through to one API must mean the same to the other.
        foreach (var key in new[] { "Auth__Authority", "Auth__Audience", "Auth__Issuer", "Auth__RoleClaim" })
            Assert.Single(deployments.Select(d => Setting(d, key)).Distinct());
        Assert.All(deployments, d => Assert.Contains(d.PodSpec().Containers(includeInit: false).Single().EnvironmentKeys(resources), k => k == "Auth__SigningKey"));
        if (Setting(deployments[0], "Auth__Authority") is null) return; // the development key needs no network

        // Everything not allowed is denied, so without such a rule no token could be validated.
        foreach (var deployment in deployments)
            Assert.True(resources.PoliciesFor(deployment).Any(policy =>
                    Manifests.Items(policy["spec"]!["egress"]).Any(rule => Manifests.Items(rule["ports"]).Any(port => (string?)port["port"] == "443"))),
                $"{overlay}: {deployment.Name()} may not reach the identity provider over HTTPS");
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Only_the_db_apply_Job_changes_the_schema(string overlay)
    {
        var resources = Kubectl.Kustomize($"overlays/{overlay}");
        var withSchema = Repository.Services.Where(s => SourceFacts.ConfigurationKeys(s).Reads("Database__ApplySchemaOnStart")).ToList();
        Assert.Equal(["Conversations", "Outbound", "Timeouts"], withSchema);

        var job = resources.OfKind("Job").Single(j => j.Name() == "handoff-db-apply");
        Assert.Equal(withSchema, job.PodSpec().Containers().Where(c => (string?)c["args"]?[0] == "db-apply").Select(c => c.Service()).Order());
        foreach (var service in withSchema)
        {
            var deployment = resources.OfKind("Deployment").Single(d => d.Name() == service.ToLowerInvariant());
            Assert.Contains(Manifests.Items(deployment.PodSpec()["initContainers"]), c => (string?)c["args"]?[0] == "db-assert");
        }
        // Off everywhere, the Job included: SchemaCommandTests show db-apply still makes every table with it off.
        foreach (var workload in resources.OfKind("Deployment").Concat(resources.OfKind("Job")))
            foreach (var container in workload.PodSpec().Containers())
                if (container.Service() is { } service && withSchema.Contains(service))
                    Assert.True(container.Value("Database__ApplySchemaOnStart", resources) == "false",
                        $"{overlay}: {workload.Name()}/{container["name"]} would change the schema itself");
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void The_gateway_is_given_and_may_reach_every_service_it_proxies_to(string overlay)
    {
        var resources = Kubectl.Kustomize($"overlays/{overlay}");
        var gateway = resources.OfKind("Deployment").Single(d => d.Name() == "gateway");
        var clusters = SourceFacts.ProxyClusters();
        Assert.Equal(["conversations", "outbound"], clusters.Order());

        foreach (var cluster in clusters)
        {
            // The code's default is loopback, which in a pod is the Gateway itself.
            var key = $"ReverseProxy__Clusters__{cluster}__Destinations__primary__Address";
            var address = gateway.PodSpec().Containers(includeInit: false).Single().Value(key, resources);
            Assert.True(Uri.TryCreate(address, UriKind.Absolute, out var uri), $"{overlay}: the Gateway is not given {key}");
            var service = resources.OfKind("Service").SingleOrDefault(s => s.Name() == uri!.Host);
            Assert.True(service is not null, $"{overlay}: {key} names {uri!.Host}, which is no Service");
            var servicePort = Manifests.Items(service!["spec"]!["ports"]).Single(p => (string?)p["port"] == uri.Port.ToString());
            var selector = new JsonObject { ["matchLabels"] = service["spec"]!["selector"]!.DeepClone() };
            var target = resources.OfKind("Deployment").Single(d => Manifests.Selects(selector, d.PodLabels()));
            var port = (string)Manifests.Items(target.PodSpec().Containers(includeInit: false).Single()["ports"])
                .Single(p => (string?)p["name"] == (string?)servicePort["targetPort"] || (string?)p["containerPort"] == (string?)servicePort["targetPort"])["containerPort"]!;

            bool Allows(JsonObject from, JsonObject to, string direction, string peers) => resources.PoliciesFor(from).Any(policy =>
                Manifests.Items(policy["spec"]![direction]).Any(rule =>
                    Manifests.Items(rule[peers]).Any(peer => Manifests.Selects(peer["podSelector"], to.PodLabels()))
                    && Manifests.Items(rule["ports"]).Any(p => (string?)p["port"] == port)));
            Assert.True(Allows(gateway, target, "egress", "to"), $"{overlay}: no NetworkPolicy lets the Gateway out to {target.Name()} on {port}");
            Assert.True(Allows(target, gateway, "ingress", "from"), $"{overlay}: no NetworkPolicy lets the Gateway in to {target.Name()} on {port}");
        }
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Every_Deployment_has_resources_probes_and_a_locked_down_security_context(string overlay)
    {
        var resources = Kubectl.Kustomize($"overlays/{overlay}");
        var workloads = resources.OfKind("Deployment").Concat(resources.OfKind("Job")).ToList();
        Assert.NotEmpty(workloads);

        foreach (var workload in workloads)
        {
            var pod = workload.PodSpec();
            var where = $"{overlay}: {workload["kind"]} {workload.Name()}";
            Assert.True((string?)pod["securityContext"]?["runAsNonRoot"] == "true", $"{where} must run as non-root");
            Assert.True(int.TryParse((string?)pod["securityContext"]?["runAsUser"], out var user) && user > 0, $"{where} needs a numeric non-root runAsUser");
            Assert.Equal("RuntimeDefault", (string?)pod["securityContext"]?["seccompProfile"]?["type"]);
            var tmp = Manifests.Items(pod["volumes"]).SingleOrDefault(v => (string?)v["name"] == "tmp");
            Assert.True(tmp?["emptyDir"] is not null, $"{where} needs an emptyDir for /tmp under a read-only root");

            foreach (var container in pod.Containers())
            {
                var at = $"{where}, container {container["name"]}";
                foreach (var kind in new[] { "requests", "limits" })
                    foreach (var resource in new[] { "cpu", "memory" })
                        Assert.True(container["resources"]?[kind]?[resource] is not null, $"{at} has no {kind}.{resource}");
                var security = container["securityContext"];
                Assert.True((string?)security?["readOnlyRootFilesystem"] == "true", $"{at} must have a read-only root filesystem");
                Assert.True((string?)security?["allowPrivilegeEscalation"] == "false", $"{at} must not allow privilege escalation");
                Assert.Equal(["ALL"], security?["capabilities"]?["drop"]?.AsArray().Select(n => (string)n!).ToArray() ?? []);
                Assert.Contains(Manifests.Items(container["volumeMounts"]), m => (string?)m["name"] == "tmp" && (string?)m["mountPath"] == "/tmp");
            }

            if ((string?)workload["kind"] != "Deployment") continue;
            foreach (var container in pod.Containers(includeInit: false))
            {
                foreach (var probe in new[] { "livenessProbe", "readinessProbe" })
                    Assert.True(container[probe]?["httpGet"]?["path"] is not null, $"{where} has no HTTP {probe}");

                // SIGTERM: the host waits shutdownTimeoutSeconds for consumers, after any preStop pause; the kubelet must wait longer.
                var grace = int.Parse((string?)pod["terminationGracePeriodSeconds"] ?? "30");
                var shutdown = int.Parse(container.Literal("shutdownTimeoutSeconds") ?? "30");
                var preStop = int.Parse((string?)container["lifecycle"]?["preStop"]?["sleep"]?["seconds"] ?? "0");
                Assert.True(grace > shutdown + preStop, $"{where}: terminationGracePeriodSeconds {grace} must exceed the host's {shutdown} s stop and the {preStop} s preStop");

                // The consuming services' bus lets the messages in hand finish for Messaging__ConsumerStopTimeout, then takes
                // up to 5 s more to stop (ServiceDefaults' Messaging.cs); a shorter host stop would cut them off.
                if ((string?)workload["metadata"]?["name"] is "gateway") continue;
                var consumers = TimeSpan.Parse(container.Literal("Messaging__ConsumerStopTimeout") ?? "00:00:15").TotalSeconds;
                Assert.True(shutdown >= consumers + 10, $"{where}: shutdownTimeoutSeconds {shutdown} must be at least the {consumers} s consumer stop plus 10 s");
            }
        }
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Every_probe_path_is_one_the_service_serves_on_a_port_it_listens_on(string overlay)
    {
        var resources = Kubectl.Kustomize($"overlays/{overlay}");

        foreach (var deployment in resources.OfKind("Deployment"))
            foreach (var container in deployment.PodSpec().Containers(includeInit: false))
            {
                var service = container.Service();
                Assert.True(service is not null, $"{deployment.Name()} runs {container["image"]}, which no service publishes");
                var served = SourceFacts.HealthPaths(service!);
                var (_, ports, _, _) = SourceFacts.Container(service!);
                var declared = Manifests.Items(container["ports"]).ToList();
                foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
                {
                    if (container[probe]?["httpGet"] is not JsonObject get) continue;
                    Assert.True(served.Contains((string)get["path"]!), $"{service} does not serve {probe} path {get["path"]} (it serves {string.Join(", ", served)})");
                    var port = (string)get["port"]!;
                    var number = declared.SingleOrDefault(p => (string?)p["name"] == port || (string?)p["containerPort"] == port)?["containerPort"];
                    Assert.True(number is not null && ports.Contains((string)number!), $"{service}'s {probe} port {port} is not the image's port ({string.Join(", ", ports)})");
                }
            }
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Every_environment_key_is_one_the_service_reads(string overlay)
    {
        var resources = Kubectl.Kustomize($"overlays/{overlay}");
        var unread = new List<string>();

        foreach (var workload in resources.OfKind("Deployment").Concat(resources.OfKind("Job")))
            foreach (var container in workload.PodSpec().Containers())
            {
                if (container.Service() is not { } service) continue;
                var keys = SourceFacts.ConfigurationKeys(service);
                unread.AddRange(container.EnvironmentKeys(resources).Where(k => !keys.Reads(k))
                    .Select(k => $"{workload.Name()}/{container["name"]}: {k}"));
            }

        Assert.True(unread.Count == 0, $"Set but read by no code of the service:\n{string.Join("\n", unread)}");
    }

    [Fact]
    public void The_key_check_rejects_a_key_no_service_reads()
    {
        // The check above must be able to fail: a misspelt key, a key of another service, a section of an options class.
        var outbound = SourceFacts.ConfigurationKeys("Outbound");
        Assert.True(outbound.Reads("AltaBots__ApiKey"));
        Assert.True(outbound.Reads("ConnectionStrings__Postgres"));
        Assert.False(outbound.Reads("AltaBots__ApiKye"));
        Assert.True(outbound.Reads("Auth__SigningKey"));
        Assert.False(SourceFacts.ConfigurationKeys("Timeouts").Reads("Auth__SigningKey"));
        var gateway = SourceFacts.ConfigurationKeys("Gateway");
        Assert.True(gateway.Reads("Gateway__PathPrefixes__0"));
        Assert.True(gateway.Reads("ReverseProxy__Clusters__conversations__Destinations__primary__Address"));
        Assert.True(gateway.Reads("ReverseProxy__Clusters__outbound__Destinations__primary__Address"));
        Assert.False(gateway.Reads("ConnectionStrings__Postgres"));
        Assert.False(gateway.Reads("Gateway__Nonsense"));
        Assert.False(gateway.Reads("Database__ApplySchemaOnStart")); // read by the three services with a database only
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Every_Secret_reference_and_environment_key_is_documented_in_the_deploy_README(string overlay)
    {
        var resources = Kubectl.Kustomize($"overlays/{overlay}");
        var readme = File.ReadAllLines(Repository.Path("deploy", "k8s", "README.md"));
        bool Documented(params string[] words) => readme.Any(line => words.All(w => line.Contains($"`{w}`", StringComparison.Ordinal)));

        var references = new HashSet<(string Secret, string? Key)>();
        foreach (var workload in resources.Where(r => r["spec"]?["template"]?["spec"] is JsonObject))
            foreach (var container in workload.PodSpec().Containers())
            {
                foreach (var variable in Manifests.Items(container["env"]))
                    if (variable["valueFrom"]?["secretKeyRef"] is JsonObject reference)
                        references.Add(((string)reference["name"]!, (string)reference["key"]!));
                foreach (var source in Manifests.Items(container["envFrom"]))
                    if (source["secretRef"]?["name"] is { } name) references.Add(((string)name!, null));
            }
        foreach (var ingress in resources.OfKind("Ingress"))
            foreach (var tls in Manifests.Items(ingress["spec"]!["tls"]))
                references.Add(((string)tls["secretName"]!, null));

        Assert.NotEmpty(references);
        var missing = references.Where(r => !Documented(r.Key is null ? [r.Secret] : [r.Secret, r.Key])).ToList();
        Assert.True(missing.Count == 0, $"Not in deploy/k8s/README.md (as `secret` and `key` on one line): {string.Join(", ", missing)}");

        var keys = resources.OfKind("Deployment").Concat(resources.OfKind("Job"))
            .SelectMany(w => w.PodSpec().Containers().Where(c => c.Service() is not null).SelectMany(c => c.EnvironmentKeys(resources)))
            .ToHashSet();
        var undocumented = keys.Where(k => !Documented(k)).ToList();
        Assert.True(undocumented.Count == 0, $"Environment keys not in deploy/k8s/README.md: {string.Join(", ", undocumented)}");
    }

    [KubectlFact]
    public void Every_image_is_the_one_its_project_publishes_as_a_small_non_root_container()
    {
        foreach (var service in Repository.Services)
        {
            var (repository, ports, family, user) = SourceFacts.Container(service);
            Assert.Equal($"handoff/{service.ToLowerInvariant()}", repository);
            Assert.Equal(["8080"], ports);
            Assert.Contains("chiseled", family);
            Assert.Equal("app", user);
        }
        foreach (var overlay in Kubectl.Overlays)
            foreach (var workload in Kubectl.Kustomize($"overlays/{overlay}").Where(r => r["spec"]?["template"]?["spec"] is JsonObject && r["metadata"]?["labels"]?["app.kubernetes.io/part-of"] is not null))
                foreach (var container in workload.PodSpec().Containers())
                    Assert.True(container.Service() is not null, $"{overlay}: {workload.Name()} runs {container["image"]}, which no service's project publishes");
    }

    [KubectlFact]
    public void Production_runs_several_replicas_on_a_three_node_broker_and_database_with_quorum_queues_and_telemetry()
    {
        var resources = Kubectl.Kustomize("overlays/production");

        Assert.All(resources.OfKind("Deployment"), d => Assert.True(int.Parse((string)d["spec"]!["replicas"]!) >= 2, $"{d.Name()} runs one replica"));
        Assert.All(resources.OfKind("HorizontalPodAutoscaler"), h => Assert.True(int.Parse((string)h["spec"]!["minReplicas"]!) >= 2));
        Assert.Equal("3", (string?)resources.OfKind("RabbitmqCluster").Single()["spec"]!["replicas"]);
        Assert.Equal("3", (string?)resources.OfKind("Cluster").Single(c => ((string)c["apiVersion"]!).StartsWith("postgresql.cnpg.io/"))["spec"]!["instances"]);
        Assert.Equal("quorum", (string?)resources.OfKind("Vhost").Single()["spec"]!["defaultQueueType"]);
        var common = resources.OfKind("ConfigMap").Single(c => c.Name() == "handoff-common")["data"]!;
        Assert.Equal("true", (string?)common["RabbitMq__QuorumQueues"]);
        Assert.StartsWith("http", (string?)common["OTEL_EXPORTER_OTLP_ENDPOINT"]);
    }

    [KubectlFact]
    public void Dev_runs_one_replica_each_with_one_broker_and_one_database_in_the_cluster()
    {
        var resources = Kubectl.Kustomize("overlays/dev");

        Assert.All(resources.OfKind("Deployment"), d => Assert.Equal("1", (string?)d["spec"]!["replicas"]));
        Assert.All(resources.OfKind("HorizontalPodAutoscaler"), h => Assert.Equal("1", (string?)h["spec"]!["maxReplicas"]));
        var roles = resources.OfKind("StatefulSet").Where(s => s["spec"]!["replicas"]!.ToString() == "1")
            .Select(s => (string?)s["spec"]!["template"]!["metadata"]!["labels"]!["handoff.altatech.ai/role"]).Order();
        Assert.Equal(["broker", "database"], roles);
        Assert.Equal("false", (string?)resources.OfKind("ConfigMap").Single(c => c.Name() == "handoff-common")["data"]!["RabbitMq__QuorumQueues"]);
    }
}
