using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Handoff.Contracts;
using Handoff.Testing;
using MassTransit;

// Tracks N open conversations in the Timeouts service (run as its own process, from its build output in this
// configuration) with a short idle timeout, and reports when each CloseIdleConversationV2 reached the commands queue
// against its due time, and the service's memory.
// Usage: dotnet run -c Release --project bench/Timeouts [-- conversations idleSeconds rampSeconds]
// rampSeconds 0 (the default) opens them all at once; otherwise evenly over that many seconds.
var conversations = args.Length > 0 ? int.Parse(args[0]) : 10_000;
var idle = TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1]) : 30);
var ramp = TimeSpan.FromSeconds(args.Length > 2 ? int.Parse(args[2]) : 0);

// The servers of this machine unless told otherwise, in the tests' variables; the benchmark gets its own vhost and schema.
Machine.UseLocalServersUnlessConfigured();
var env = new IsolatedEnvironment();
await env.InitializeAsync();
Process? service = null;
try
{
    var closes = new ConcurrentDictionary<string, List<(DateTimeOffset DueAt, DateTimeOffset ReceivedAt)>>();
    var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
    {
        cfg.Host(env.RabbitMqUri, h => h.PublisherConfirmation = true);
        // Stands in for Conversations on every command lane: only records when each close arrives.
        for (var lane = 0; lane < Queues.ConversationCommandLanes; lane++)
            cfg.ReceiveEndpoint(Queues.ConversationCommandLane(lane), e =>
            {
                e.SingleActiveConsumer = true;
                e.ConfigureConsumeTopology = false;
                e.PrefetchCount = 500;
                e.Handler<CloseIdleConversationV2>(context =>
                {
                    var received = DateTimeOffset.UtcNow;
                    closes.AddOrUpdate(context.Message.ConversationId, _ => [(context.Message.DueAt, received)],
                        (_, list) => { lock (list) list.Add((context.Message.DueAt, received)); return list; });
                    return Task.CompletedTask;
                });
            });
    });
    await bus.StartAsync();

    var url = $"http://127.0.0.1:{Machine.FreePort()}";
    service = StartService(env, url, idle);
    await WaitUntilReady(service, url);
    var startMemory = Rss(service);

    Console.WriteLine($"Timeouts ready ({startMemory / 1_048_576} MiB); opening {conversations:N0} conversations " +
                      $"over {ramp.TotalSeconds} s with a {idle.TotalSeconds} s idle timeout");
    var ids = Enumerable.Range(0, conversations).Select(i => $"bench-{i:D6}").ToList();
    var published = Stopwatch.StartNew();
    // 64 publishes in flight, each confirmed; At is the publish time, as Conversations would stamp it.
    await Parallel.ForEachAsync(Enumerable.Range(0, conversations), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
    {
        var notBefore = ramp * ((double)i / conversations);
        if (notBefore > published.Elapsed) await Task.Delay(notBefore - published.Elapsed, ct);
        await bus.Publish(new HandoffRequested(ids[i], 1, "bench", DateTimeOffset.UtcNow), ct);
    });
    Console.WriteLine($"published in {published.Elapsed.TotalSeconds:F1} s");

    long peakRss = 0;
    var deadline = DateTime.UtcNow + idle + TimeSpan.FromMinutes(5);
    while (closes.Count < conversations && DateTime.UtcNow < deadline && !service.HasExited)
    {
        peakRss = Math.Max(peakRss, Rss(service));
        await Task.Delay(250);
    }
    // Late duplicates would show up now.
    await Task.Delay(TimeSpan.FromSeconds(3));
    peakRss = Math.Max(peakRss, Rss(service));
    var endRss = Rss(service);
    await bus.StopAsync();

    var lateness = closes.Values.SelectMany(l => l).Select(c => (c.ReceivedAt - c.DueAt).TotalMilliseconds).Order().ToArray();
    var duplicates = closes.Values.Count(l => l.Count > 1);
    Console.WriteLine();
    Console.WriteLine($"conversations:  {conversations:N0}, closed: {closes.Count:N0}, closed more than once: {duplicates}");
    if (lateness.Length > 0)
        Console.WriteLine($"close - due:    min {lateness[0]:F0} ms, p50 {P(lateness, 0.50):F0} ms, p90 {P(lateness, 0.90):F0} ms, " +
                          $"p99 {P(lateness, 0.99):F0} ms, max {lateness[^1]:F0} ms");
    Console.WriteLine($"service memory: {startMemory / 1_048_576} MiB idle, peak {peakRss / 1_048_576} MiB, {endRss / 1_048_576} MiB after (RSS)");
    Console.WriteLine($"machine:        {Environment.ProcessorCount} cores, {Environment.OSVersion}");
    return closes.Count == conversations && duplicates == 0 ? 0 : 1;
}
finally
{
    if (service is { HasExited: false })
    {
        service.Kill(entireProcessTree: true);
        await service.WaitForExitAsync();
    }
    await env.DisposeAsync();
}


static double P(double[] sorted, double quantile) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];

static long Rss(Process process)
{
    process.Refresh();
    return process.WorkingSet64;
}

static Process StartService(IsolatedEnvironment env, string url, TimeSpan idle)
{
    var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
    var root = bin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
    var dll = Path.Combine(root, "services", "Timeouts", "bin", bin.Parent.Name, bin.Name, "Handoff.Timeouts.dll");
    var start = new ProcessStartInfo("dotnet", dll)
    {
        WorkingDirectory = Path.GetDirectoryName(dll)!,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
    foreach (var (key, value) in env.ServiceEnvironment("timeouts")) start.Environment[key] = value;
    start.Environment["ASPNETCORE_URLS"] = url;
    start.Environment["Handoff__IdleTimeout"] = idle.ToString();
    start.Environment["Handoff__Timeouts__AgentWait"] = "00:00:00";
    start.Environment["Handoff__Timeouts__IdleWarningBefore"] = "00:00:00";
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    var process = Process.Start(start)!;
    process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  timeouts| {e.Data}"); };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  timeouts| {e.Data}"); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static async Task WaitUntilReady(Process service, string url)
{
    using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(2) };
    for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline && !service.HasExited; await Task.Delay(200))
    {
        try
        {
            if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode) return;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
    }
    throw new InvalidOperationException("The Timeouts service did not become ready");
}
