using Handoff.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Handoff.Gateway.Tests;

/// <summary>The Gateway hosted in its own RabbitMQ virtual host, plus a reader of the queue it sends to.</summary>
public class GatewayHost : IsolatedEnvironment
{
    public WebApplicationFactory<Program> Factory { get; private set; } = null!;
    public CommandQueue Commands { get; private set; } = null!;

    /// <summary>Settings a derived fixture adds, ASP.NET key style.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    /// <summary>Anything else a derived fixture changes in the host (its logging, say).</summary>
    protected virtual void ConfigureHost(IWebHostBuilder builder) { }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Factory = Start(ServiceConfiguration("gateway").Concat(Settings), ConfigureHost);
        Commands = await CommandQueue.ConnectAsync(RabbitMqUri);
    }

    public override async Task DisposeAsync()
    {
        await Commands.DisposeAsync();
        await Factory.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>
    /// Starts a Gateway with <paramref name="settings"/>. Unless they configure webhook secrets, authentication is
    /// switched off explicitly: these tests are about what happens after it.
    /// </summary>
    public static WebApplicationFactory<Program> Start(IEnumerable<KeyValuePair<string, string?>> settings, Action<IWebHostBuilder>? configure = null) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Gateway:Webhooks:AllowUnauthenticated", "true");
            foreach (var (key, value) in settings)
                builder.UseSetting(key, value);
            configure?.Invoke(builder);
        });
}
