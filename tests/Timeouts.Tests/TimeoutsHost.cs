using Handoff.Testing;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Timeouts.Tests;

/// <summary>The Timeouts service hosted in a test environment, with a short idle timeout.</summary>
public sealed class TimeoutsHost(IsolatedEnvironment env, TimeSpan idleTimeout) : WebApplicationFactory<Program>
{
    public TimeSpan IdleTimeout => idleTimeout;

    public static async Task<TimeoutsHost> StartAsync(IsolatedEnvironment env, TimeSpan idleTimeout)
    {
        // MassTransit keeps the first host's logger factory in a static; a later host in this process would use it
        // after it was disposed. Forget it, so each host brings its own.
        LogContext.Current = null!;
        var host = new TimeoutsHost(env, idleTimeout);
        using var client = host.CreateClient();
        // Ready means the bus is connected and the saga's queue is bound; an event published before that is lost.
        await Eventually.True(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "the Timeouts service becomes ready");
        return host;
    }

    public Task Publish<T>(T message) where T : class => Services.GetRequiredService<IBus>().Publish(message);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in env.ServiceConfiguration("timeouts"))
            builder.UseSetting(key, value);
        builder.UseSetting("Handoff:IdleTimeout", idleTimeout.ToString());
        builder.UseSetting("Handoff:Scheduler:PollInterval", "00:00:00.200");
    }
}
