using System.Text.Json;

namespace Handoff.Deployment.Tests;

/// <summary>
/// The images cannot be built here (no container engine, no base-image registry), so this proves what can be: each service
/// publishes, and the SDK resolves the container settings that `-t:PublishContainer` would use.
/// </summary>
public class PublishTests
{
    [Fact]
    public async Task Every_service_publishes_and_would_build_a_chiseled_non_root_image_on_port_8080()
    {
        var folder = Directory.CreateTempSubdirectory("handoff-publish-");
        try
        {
            // A folder of its own (--artifacts-path) so a build elsewhere in the tree is neither disturbed nor reused.
            var filter = Path.Combine(folder.FullName, "services.slnf");
            await File.WriteAllTextAsync(filter, JsonSerializer.Serialize(new
            {
                solution = new
                {
                    path = Repository.Path("Handoff.sln"),
                    projects = Repository.Services.Select(s => $"services/{s}/Handoff.{s}.csproj").ToArray(),
                },
            }));
            var artifacts = Path.Combine(folder.FullName, "artifacts");
            var (exit, output) = await Processes.RunAsync("dotnet", ["publish", filter, "-c", "Release", "--artifacts-path", artifacts, "-nologo"],
                Repository.Root, timeout: TimeSpan.FromMinutes(5));
            Assert.True(exit == 0, $"dotnet publish failed:\n{output}");

            foreach (var service in Repository.Services)
            {
                var published = Path.Combine(artifacts, "publish", $"Handoff.{service}", "release");
                Assert.True(File.Exists(Path.Combine(published, $"Handoff.{service}.dll")), $"{service} was not published to {published}");
                // The image's entry point: the apphost, so the db-apply Job can pass a command as its only argument.
                Assert.True(File.Exists(Path.Combine(published, $"Handoff.{service}")), $"{service} has no apphost in {published}");

                var project = Repository.Path("services", service, $"Handoff.{service}.csproj");
                (exit, output) = await Processes.RunAsync("dotnet", ["msbuild", project, "-t:ComputeContainerConfig", "-p:Configuration=Release",
                    $"-p:ArtifactsPath={artifacts}", "-getProperty:ContainerBaseImage", "-getProperty:ContainerUser", "-getProperty:ContainerRepository",
                    "-getItem:ContainerPort"], Repository.Root);
                Assert.True(exit == 0, $"The container settings of {service} do not resolve:\n{output}");
                using var resolved = JsonDocument.Parse(output);
                var properties = resolved.RootElement.GetProperty("Properties");
                Assert.Matches(@"^mcr\.microsoft\.com/dotnet/aspnet:10\.0-noble-chiseled$", properties.GetProperty("ContainerBaseImage").GetString());
                Assert.Equal("app", properties.GetProperty("ContainerUser").GetString());
                Assert.Equal($"handoff/{service.ToLowerInvariant()}", properties.GetProperty("ContainerRepository").GetString());
                Assert.Equal(["8080"], resolved.RootElement.GetProperty("Items").GetProperty("ContainerPort").EnumerateArray()
                    .Select(p => p.GetProperty("Identity").GetString()));
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
