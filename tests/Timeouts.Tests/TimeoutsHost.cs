using Handoff.Testing;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Timeouts.Tests;

/// <summary>The Timeouts service hosted in a test environment, with a short idle timeout.</summary>
public sealed class TimeoutsHost(
    IsolatedEnvironment env, TimeSpan idleTimeout, IReadOnlyDictionary<string, string>? settings, Action<IServiceCollection>? services)
    : WebApplicationFactory<Program>
{
    public TimeSpan IdleTimeout => idleTimeout;

    /// <summary>Starts a host; <paramref name="settings"/> (configuration keys) override the defaults, which switch the agent-wait and warning timers off.</summary>
    /// <paramref name="services"/> changes the service's registrations (a test's fault injection).
    public static async Task<TimeoutsHost> StartAsync(IsolatedEnvironment env, TimeSpan idleTimeout, IReadOnlyDictionary<string, string>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        // MassTransit keeps the first host's logger factory in a static; a later host in this process would use it
        // after it was disposed. Forget it, so each host brings its own.
        LogContext.Current = null!;
        var host = new TimeoutsHost(env, idleTimeout, settings, services);
        using var client = host.CreateClient();
        // Ready means the bus is connected and the saga's queue is bound; an event published before that is lost.
        await Eventually.True(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "the Timeouts service becomes ready");
        return host;
    }

    public override async ValueTask DisposeAsync()
    {
        // Another host started after this one may own MassTransit's static log context by now, and may be gone
        // already: stop this bus without logging through it.
        LogContext.Current = null!;
        await base.DisposeAsync();
    }

    /// <summary>
    /// Publishes as Conversations does: until the broker confirms. Right after the service's connections were cut, a
    /// publish could wait for a confirm that never comes (seen: a suite hung there), so each try has a deadline.
    /// Events are idempotent, so a repeat is harmless.
    /// </summary>
    public async Task Publish<T>(T message) where T : class
    {
        var bus = Services.GetRequiredService<IBus>();
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await bus.Publish(message, attempt.Token);
                return;
            }
            catch (OperationCanceledException) when (attempt.IsCancellationRequested && DateTimeOffset.UtcNow < deadline)
            {
            }
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in env.ServiceConfiguration("timeouts"))
            builder.UseSetting(key, value);
        builder.UseSetting("Handoff:IdleTimeout", idleTimeout.ToString());
        builder.UseSetting("Handoff:Scheduler:PollInterval", "00:00:00.200");
        builder.UseSetting("Handoff:Timeouts:AgentWait", "00:00:00");
        builder.UseSetting("Handoff:Timeouts:IdleWarningBefore", "00:00:00");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            builder.UseSetting(key, value);
        if (services is not null)
            builder.ConfigureServices(services);
    }
}
