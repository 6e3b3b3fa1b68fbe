namespace Handoff.Deployment.Tests;

public class PlaceholderTests
{
    [Fact]
    public void Deploy_folder_exists() =>
        Assert.True(Directory.Exists(Path.Combine(AppContext.BaseDirectory, "../../../../../deploy/k8s")));
}
