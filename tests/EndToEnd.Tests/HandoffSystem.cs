using Handoff.Testing;

namespace Handoff.EndToEnd.Tests;

/// <summary>
/// All four services as processes on the real RabbitMQ and PostgreSQL, with a fake AltaBots.
/// Derive from it to change settings (<see cref="Settings"/>) or run several replicas of the back-end
/// services (<see cref="Replicas"/>); each derived fixture gets its own vhost and schemas.
/// </summary>
public class HandoffSystem : IsolatedEnvironment
{
    public const string ApiKey = "e2e-api-key";
    public const string Greeting = "Hello! Someone from our team will be with you shortly.";

    private readonly List<ServiceProcess> services = [];

    public FakeAltaBots AltaBots { get; private set; } = null!;
    public HttpClient Gateway { get; private set; } = null!;
    public IReadOnlyList<ServiceProcess> Services { get { lock (services) return services.ToArray(); } }

    /// <summary>How long a conversation may stay quiet before Timeouts closes it.</summary>
    public virtual TimeSpan IdleTimeout => TimeSpan.FromSeconds(4);

    /// <summary>Instances of each of Conversations, Outbound and Timeouts; the Gateway runs once.</summary>
    protected virtual int Replicas => 1;

    /// <summary>Extra settings per service (service name as in services/, key in environment style).</summary>
    protected virtual IEnumerable<(string Service, string Key, string Value)> Settings => [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        AltaBots = await FakeAltaBots.StartAsync();

        var backEnd = Enumerable.Range(0, Replicas).SelectMany(_ => new[]
        {
            Start("Conversations", ("Auth__SigningKey", DevToken.TestSigningKey), ("Handoff__Greeting", Greeting)),
            Start("Outbound", ("AltaBots__BaseUrl", AltaBots.BaseUrl), ("AltaBots__ApiKey", ApiKey)),
            Start("Timeouts", ("Handoff__IdleTimeout", IdleTimeout.ToString())),
        });
        var started = await Task.WhenAll(backEnd);
        var conversations = started.Where(s => s.Name == "Conversations").Select((s, i) =>
            ($"ReverseProxy__Clusters__conversations__Destinations__{(i == 0 ? "primary" : $"replica{i}")}__Address", s.Url.ToString()));
        var gateway = await Start("Gateway", conversations.Append(("Gateway__Webhooks__AllowUnauthenticated", "true")).ToArray());
        Gateway = new HttpClient { BaseAddress = gateway.Url };
    }

    private async Task<ServiceProcess> Start(string name, params (string Key, string Value)[] settings)
    {
        var environment = ServiceEnvironment(name.ToLowerInvariant());
        foreach (var (key, value) in settings) environment[key] = value;
        foreach (var (_, key, value) in Settings.Where(s => s.Service == name)) environment[key] = value;
        var service = await ServiceProcess.StartAsync(name, environment);
        lock (services) services.Add(service);
        return service;
    }

    /// <summary>What each service printed, for a failing test's message.</summary>
    public string Logs() => string.Join("\n", Services.Select(s => $"----- {s.Name} {s.Url}\n{s.Output}"));

    public override async Task DisposeAsync()
    {
        Gateway?.Dispose();
        foreach (var service in Services) await service.DisposeAsync();
        if (AltaBots is not null) await AltaBots.DisposeAsync();
        await base.DisposeAsync();
    }
}
