using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Handoff.Testing;

// What tracing costs: the Gateway's webhook throughput with every request traced and exported (sampling 100%, OTLP to a
// receiver in this process) against tracing off, in the same run. The two settings alternate in rounds, so a change in
// the shared machine's load falls on both. The Gateway runs alone as a process: a chat webhook is a validation and a
// confirmed send to the broker, the hop every user message takes.
// Usage: dotnet run -c Release --project bench/Tracing [-- secondsPerRound rounds concurrency]
var roundLength = TimeSpan.FromSeconds(args.Length > 0 ? int.Parse(args[0]) : 15);
var rounds = args.Length > 1 ? int.Parse(args[1]) : 3;
var concurrency = args.Length > 2 ? int.Parse(args[2]) : 32;

Machine.UseLocalServersUnlessConfigured();
var env = new IsolatedEnvironment();
await env.InitializeAsync();

// The OTLP receiver: takes every export and counts its bytes, as a collector would take them.
long exportedBytes = 0;
var receiverBuilder = WebApplication.CreateSlimBuilder();
receiverBuilder.WebHost.UseUrls("http://127.0.0.1:0");
receiverBuilder.Logging.ClearProviders();
var receiver = receiverBuilder.Build();
receiver.MapPost("/v1/{signal}", async (HttpContext http) =>
{
    using var body = new MemoryStream();
    await http.Request.Body.CopyToAsync(body);
    Interlocked.Add(ref exportedBytes, body.Length);
    return Results.Ok();
});
await receiver.StartAsync();
var otlp = receiver.Urls.First();

var results = new List<(string Setting, double PerSecond, double P50, double P99)>();
try
{
    for (var round = 1; round <= rounds; round++)
        foreach (var traced in new[] { false, true })
        {
            var (perSecond, p50, p99) = await Measure(traced);
            var setting = traced ? "tracing on" : "tracing off";
            results.Add((setting, perSecond, p50, p99));
            Console.WriteLine($"round {round}, {setting,-11}: {perSecond,8:F0} webhooks/s, p50 {p50:F1} ms, p99 {p99:F1} ms");
        }

    var off = results.Where(r => r.Setting == "tracing off").ToList();
    var on = results.Where(r => r.Setting == "tracing on").ToList();
    Console.WriteLine();
    Console.WriteLine($"throughput, on / off: {on.Sum(r => r.PerSecond) / off.Sum(r => r.PerSecond):P1} " +
                      $"(per round: {string.Join(", ", on.Zip(off).Select(p => (p.First.PerSecond / p.Second.PerSecond).ToString("P0")))})");
    Console.WriteLine($"p50 latency, on / off: {on.Average(r => r.P50) / off.Average(r => r.P50):F2}x; exported {exportedBytes / 1_048_576.0:F1} MiB of OTLP");
    Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Machine.TotalMemory()} RAM; load average {Machine.LoadAverage()}; {concurrency} clients, {rounds} rounds of {roundLength.TotalSeconds} s each");
}
finally
{
    await receiver.DisposeAsync();
    await env.DisposeAsync();
}

async Task<(double PerSecond, double P50, double P99)> Measure(bool traced)
{
    var settings = new Dictionary<string, string>
    {
        ["Gateway__Webhooks__AllowUnauthenticated"] = "true",
        // Every request here comes from one address: the per-address limit would cut the benchmark off.
        ["Gateway__RateLimits__Webhooks__PermitLimit"] = "100000000",
    };
    if (traced)
    {
        settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
        settings["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        settings["OTEL_TRACES_SAMPLER"] = "always_on";
        settings["OTEL_SERVICE_NAME"] = "handoff-gateway";
    }
    var (process, url) = await StartGateway(settings);
    try
    {
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        // Warm-up, not measured: JIT, the broker connection, the pools.
        await Run(http, TimeSpan.FromSeconds(3), null);
        var latencies = new List<double>();
        var stopwatch = Stopwatch.StartNew();
        var count = await Run(http, roundLength, latencies);
        var perSecond = count / stopwatch.Elapsed.TotalSeconds;
        latencies.Sort();
        return (perSecond, latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)]);
    }
    finally
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }
}

async Task<int> Run(HttpClient http, TimeSpan length, List<double>? latencies)
{
    var until = DateTime.UtcNow + length;
    var count = 0;
    var failures = 0;
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async client =>
    {
        for (var i = 0; DateTime.UtcNow < until; i++)
        {
            var body = $$"""{"conversation_id":"bench-{{client}}","timestamp":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 100 + i}},"body":"hello {{i}}"}""";
            var started = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync("/chat", new StringContent(body, Encoding.UTF8, "application/json"));
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK) { Interlocked.Increment(ref failures); continue; }
            Interlocked.Increment(ref count);
            if (latencies is not null) lock (latencies) latencies.Add(elapsed);
        }
    }));
    if (failures > 0) Console.WriteLine($"  {failures} webhooks were not answered 200");
    return count;
}

async Task<(Process Process, string Url)> StartGateway(Dictionary<string, string> settings)
{
    var url = $"http://127.0.0.1:{Machine.FreePort()}";
    var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
    var root = bin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
    var dll = Path.Combine(root, "services", "Gateway", "bin", bin.Parent.Name, bin.Name, "Handoff.Gateway.dll");
    var start = new ProcessStartInfo("dotnet", dll) { WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var (key, value) in env.ServiceEnvironment("gateway")) start.Environment[key] = value;
    foreach (var (key, value) in settings) start.Environment[key] = value;
    start.Environment["ASPNETCORE_URLS"] = url;
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    var process = Process.Start(start)!;
    process.OutputDataReceived += (_, _) => { };
    process.BeginOutputReadLine();
    using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(2) };
    for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline && !process.HasExited; await Task.Delay(200))
    {
        try
        {
            if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode) return (process, url);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
    }
    throw new InvalidOperationException("The Gateway did not become ready");
}
