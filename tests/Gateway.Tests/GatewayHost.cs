using Handoff.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Handoff.Gateway.Tests;

/// <summary>The Gateway hosted in its own RabbitMQ virtual host, plus a reader of the queue it sends to.</summary>
public sealed class GatewayHost : IsolatedEnvironment
{
    public WebApplicationFactory<Program> Factory { get; private set; } = null!;
    public CommandQueue Commands { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Factory = Start(ServiceConfiguration("gateway"));
        Commands = await CommandQueue.ConnectAsync(RabbitMqUri);
    }

    public override async Task DisposeAsync()
    {
        await Commands.DisposeAsync();
        await Factory.DisposeAsync();
        await base.DisposeAsync();
    }

    public static WebApplicationFactory<Program> Start(IEnumerable<KeyValuePair<string, string?>> settings) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in settings)
                builder.UseSetting(key, value);
        });
}
