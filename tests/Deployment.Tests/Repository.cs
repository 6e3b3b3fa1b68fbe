namespace Handoff.Deployment.Tests;

/// <summary>The working tree these tests read: the manifests, the services' sources and project files.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static readonly string[] Services = ["Gateway", "Conversations", "Outbound", "Timeouts"];

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Handoff.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No Handoff.sln above {AppContext.BaseDirectory}");
    }
}
