using Handoff.Testing;

namespace Handoff.EndToEnd.Tests;

/// <summary>All four services as processes on the real RabbitMQ and PostgreSQL, with a fake AltaBots.</summary>
public sealed class HandoffSystem : IsolatedEnvironment
{
    public const string ApiKey = "e2e-api-key";
    public const string Greeting = "Hello! Someone from our team will be with you shortly.";
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(4);

    private readonly List<ServiceProcess> services = [];

    public FakeAltaBots AltaBots { get; private set; } = null!;
    public HttpClient Gateway { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        AltaBots = await FakeAltaBots.StartAsync();

        var backends = await Task.WhenAll(
            Start("Conversations", ("Auth__SigningKey", DevToken.TestSigningKey), ("Handoff__Greeting", Greeting)),
            Start("Outbound", ("AltaBots__BaseUrl", AltaBots.BaseUrl), ("AltaBots__ApiKey", ApiKey)),
            Start("Timeouts", ("Handoff__IdleTimeout", IdleTimeout.ToString())));
        var gateway = await Start("Gateway",
            ("ReverseProxy__Clusters__conversations__Destinations__primary__Address", backends[0].Url.ToString()));
        Gateway = new HttpClient { BaseAddress = gateway.Url };
    }

    private async Task<ServiceProcess> Start(string name, params (string Key, string Value)[] settings)
    {
        var environment = ServiceEnvironment(name.ToLowerInvariant());
        foreach (var (key, value) in settings) environment[key] = value;
        var service = await ServiceProcess.StartAsync(name, environment);
        lock (services) services.Add(service);
        return service;
    }

    /// <summary>What each service printed, for a failing test's message.</summary>
    public string Logs() => string.Join("\n", services.Select(s => $"----- {s.Name}\n{s.Output}"));

    public override async Task DisposeAsync()
    {
        Gateway?.Dispose();
        foreach (var service in services) await service.DisposeAsync();
        if (AltaBots is not null) await AltaBots.DisposeAsync();
        await base.DisposeAsync();
    }
}
