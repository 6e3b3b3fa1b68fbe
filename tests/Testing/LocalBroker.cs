using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Handoff.Testing;

/// <summary>
/// Restarts the tests' RabbitMQ for real with <c>rabbitmqctl stop_app</c> and <c>start_app</c>: the Erlang node stays up
/// while the broker application (AMQP listener, queues, management API) stops and starts again, as after a broker restart,
/// and every client connection is dropped. Possible where <c>./dev test</c> runs the broker as a local server (here and in
/// CI); against a Testcontainers broker the tests that need it are skipped (a container restart could serve there).
/// Every other test using the broker at that moment is disturbed: put such tests in a collection that runs alone.
/// </summary>
public static class LocalBroker
{
    private static readonly Lazy<string?> WhyUnavailable = new(FindWhyUnavailable);

    /// <summary>Why the broker cannot be restarted here, or null when it can.</summary>
    public static string? Unavailable => WhyUnavailable.Value;

    /// <summary>
    /// Stops the broker application. Dispose the outage, or call <see cref="BrokerOutage.EndAsync"/>, to start it again
    /// and wait until it serves: a failing test must not leave the broker down for the rest of the suite.
    /// </summary>
    public static async Task<BrokerOutage> StopAsync(IsolatedEnvironment env)
    {
        if (Unavailable is { } why) throw new InvalidOperationException($"Cannot restart the broker: {why}");
        // The node rabbitmqctl controls must be the tests' broker: it knows the test's own virtual host.
        var vhosts = (await Ctl("-q", "list_vhosts", "--no-table-headers")).Split('\n', StringSplitOptions.TrimEntries);
        if (!vhosts.Contains(env.VirtualHost))
            throw new InvalidOperationException(
                $"rabbitmqctl controls another broker than the tests' (HANDOFF_TEST_RABBITMQ): it has no virtual host {env.VirtualHost}");
        var stopping = DateTimeOffset.UtcNow;
        await Ctl("stop_app");
        return new BrokerOutage(env, stopping, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// The queues of a virtual host as the broker has them now: rabbitmqctl reads them live, where the management API
    /// shows figures sampled every few seconds.
    /// </summary>
    public static async Task<IReadOnlyList<BrokerQueue>> QueuesAsync(string virtualHost)
    {
        var table = await Ctl("-q", "list_queues", "-p", virtualHost, "--no-table-headers", "name", "durable", "messages", "messages_persistent");
        return table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('\t'))
            .Select(f => new BrokerQueue(f[0], bool.Parse(f[1]), long.Parse(f[2]), long.Parse(f[3])))
            .ToList();
    }

    internal static async Task StartAndWaitAsync(IsolatedEnvironment env)
    {
        await Ctl("start_app");
        await Ctl("-q", "await_startup");
        await WaitUntilServingAsync(env);
    }

    /// <summary>The AMQP port takes connections, and the management API answers with every virtual host running.</summary>
    private static async Task WaitUntilServingAsync(IsolatedEnvironment env)
    {
        var amqp = env.Infrastructure.RabbitMq;
        var management = env.Infrastructure.RabbitMqManagement;
        using var http = new HttpClient
        {
            BaseAddress = new UriBuilder(management) { UserName = "", Password = "" }.Uri,
            Timeout = TimeSpan.FromSeconds(5),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(management.UserInfo))));
        await Eventually.True(async () =>
        {
            try
            {
                using (var socket = new TcpClient())
                    await socket.ConnectAsync(amqp.Host, amqp.IsDefaultPort ? 5672 : amqp.Port);
                return (await http.GetAsync("api/health/checks/virtual-hosts")).IsSuccessStatusCode
                       && (await http.GetAsync($"api/vhosts/{Uri.EscapeDataString(env.VirtualHost)}")).IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or SocketException or TaskCanceledException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(90), "the broker serves again: AMQP, the management API and every virtual host");
    }

    private static string? FindWhyUnavailable()
    {
        var configured = Environment.GetEnvironmentVariable("HANDOFF_TEST_RABBITMQ");
        if (string.IsNullOrEmpty(configured))
            return "the tests' broker is a Testcontainers container (HANDOFF_TEST_RABBITMQ is unset), and restarting one is not " +
                   "implemented yet; ./dev test runs a local broker that rabbitmqctl restarts";
        if (!Uri.TryCreate(configured, UriKind.Absolute, out var uri) || !uri.IsLoopback)
            return "the tests' broker (HANDOFF_TEST_RABBITMQ) is not on this machine, so rabbitmqctl cannot restart it";
        if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, "rabbitmqctl"))))
            return "rabbitmqctl is not on PATH (./dev test installs rabbitmq-server when it runs the broker locally)";
        try
        {
            Ctl("-q", "ping").Wait();
            return null;
        }
        catch (AggregateException e)
        {
            return $"rabbitmqctl cannot reach the local node (it runs as root or as rabbitmq): {e.InnerException?.Message}";
        }
    }

    private static async Task<string> Ctl(params string[] arguments)
    {
        var start = new ProcessStartInfo("rabbitmqctl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"rabbitmqctl {string.Join(' ', arguments)} did not finish within 120 s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"rabbitmqctl {string.Join(' ', arguments)} exited with {process.ExitCode}: {(await errors).Trim()} {(await output).Trim()}");
        return await output;
    }
}

/// <summary>One queue of a virtual host: <paramref name="Messages"/> counts the ready and the unacknowledged.</summary>
public sealed record BrokerQueue(string Name, bool Durable, long Messages, long PersistentMessages);

/// <summary>The broker application stopped by <see cref="LocalBroker.StopAsync"/>, until it is started again.</summary>
public sealed class BrokerOutage(IsolatedEnvironment env, DateTimeOffset stoppingAt, DateTimeOffset stoppedAt) : IAsyncDisposable
{
    private Task<DateTimeOffset>? ended;

    /// <summary>When <c>stop_app</c> was called: the broker may refuse new work from then on.</summary>
    public DateTimeOffset StoppingAt { get; } = stoppingAt;

    /// <summary>When <c>stop_app</c> returned: every connection was closed by then.</summary>
    public DateTimeOffset StoppedAt { get; } = stoppedAt;

    /// <summary>Starts the broker application and waits until it serves again; returns that moment. Safe to call again.</summary>
    public Task<DateTimeOffset> EndAsync()
    {
        lock (this) return ended ??= Start();
    }

    private async Task<DateTimeOffset> Start()
    {
        await LocalBroker.StartAndWaitAsync(env);
        return DateTimeOffset.UtcNow;
    }

    public async ValueTask DisposeAsync() => await EndAsync();
}

/// <summary>A fact that restarts the tests' broker: skipped, saying why, where <see cref="LocalBroker"/> cannot (it can under ./dev test).</summary>
public sealed class BrokerRestartFactAttribute : FactAttribute
{
    public BrokerRestartFactAttribute()
    {
        if (LocalBroker.Unavailable is { } why) Skip = $"The broker cannot be restarted here: {why}";
    }
}
