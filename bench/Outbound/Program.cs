using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Handoff.Testing;
using Npgsql;

// Measures how long an agent's reply takes to reach AltaBots: from the agent's POST /api/conversations/{id}/messages,
// sent through the Gateway, to the fake AltaBots in this process receiving it. Replies go at a steady rate, round robin
// over many conversations, to the four services run as processes from their build output in this configuration.
// Usage: dotnet run -c Release --project bench/Outbound [-- repliesPerSecond seconds conversations]
var rate = args.Length > 0 ? int.Parse(args[0]) : 200;
var duration = TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1]) : 30);
var conversations = args.Length > 2 ? int.Parse(args[2]) : 100;
const int PoolSize = 16;
const string IntakeQueue = "outbound-deliveries";

// The servers of this machine unless told otherwise, in the tests' variables; the benchmark gets its own vhost and schemas.
Machine.UseLocalServersUnlessConfigured();
var env = new IsolatedEnvironment();
await env.InitializeAsync();
// Answers 200 at once and notes when each call arrived.
var altaBots = await FakeAltaBots.StartAsync();
// Opened now, for the figures at the end: later, other tests on this PostgreSQL may have taken every connection.
await using var database = new NpgsqlConnection(env.PostgresConnectionString);
await database.OpenAsync();
var services = new List<Process>();
try
{
    var backEnd = await Task.WhenAll(
        Start("Conversations", ("Auth__SigningKey", DevToken.TestSigningKey)),
        Start("Outbound", ("AltaBots__BaseUrl", altaBots.BaseUrl.ToString()), ("AltaBots__ApiKey", "bench-api-key"),
            ("Auth__SigningKey", DevToken.TestSigningKey)),
        Start("Timeouts"));
    var gatewayUrl = await Start("Gateway",
        ("ReverseProxy__Clusters__conversations__Destinations__primary__Address", backEnd[0]),
        ("ReverseProxy__Clusters__outbound__Destinations__primary__Address", backEnd[1]),
        ("Gateway__Webhooks__AllowUnauthenticated", "true"),
        // Every request here comes from one address: the per-address limits would cut the benchmark off.
        ("Gateway__RateLimits__Api__PermitLimit", "1000000"),
        ("Gateway__RateLimits__Webhooks__PermitLimit", "1000000"));
    using var gateway = new HttpClient { BaseAddress = new Uri(gatewayUrl), Timeout = TimeSpan.FromSeconds(60) };
    gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevToken.Create("bench-supervisor"));

    var ids = Enumerable.Range(0, conversations).Select(i => $"bench-{env.Id}-{i:D4}").ToArray();
    await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, ct) =>
    {
        var establish = JsonSerializer.Serialize(new
        {
            conversation_id = id,
            timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            bot_id = "bench-bot",
            body = new[] { new { text = "human please", message_type = "QUESTION" } },
            user_info = new { user_id = id },
        });
        var response = await gateway.PostAsync("/conversation/establish", new StringContent(establish, Encoding.UTF8, "application/json"), ct);
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"establish answered {(int)response.StatusCode}");
    });
    await Until(() => altaBots.AllCalls.Count >= conversations, TimeSpan.FromSeconds(60), "every greeting reached AltaBots");

    // One reply per conversation first, not measured: JIT, connection pools and caches warm up.
    await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
    {
        using var response = await gateway.PostAsJsonAsync($"/api/conversations/{id}/messages", new { text = $"warm-up {id}" }, ct);
        if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"a warm-up reply answered {(int)response.StatusCode}");
    });
    await Until(() => altaBots.AllCalls.Count >= 2 * conversations, TimeSpan.FromSeconds(60), "every warm-up reply reached AltaBots");

    var total = (int)(rate * duration.TotalSeconds);
    var loadBefore = Machine.LoadAverage();
    Console.WriteLine($"{conversations} conversations open; sending {total:N0} replies at {rate}/s over {duration.TotalSeconds} s " +
                      $"(load average {loadBefore})");
    var sentAt = new DateTimeOffset[total];
    var answeredAt = new DateTimeOffset[total];
    var status = new int[total];
    using var sampling = new CancellationTokenSource();
    var depths = SampleIntakeQueue(sampling.Token);
    var clock = Stopwatch.StartNew();
    var posts = new List<Task>(total);
    // Open loop: each reply goes at its own time, whether or not the ones before were answered, so a slow system
    // shows as latency rather than as fewer replies sent.
    for (var i = 0; i < total; i++)
    {
        var wait = TimeSpan.FromSeconds((double)i / rate) - clock.Elapsed;
        if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
        posts.Add(Post(i));
    }
    var sending = clock.Elapsed;
    await Task.WhenAll(posts);
    var accepted = Enumerable.Range(0, total).Where(i => status[i] == (int)HttpStatusCode.Accepted).ToArray();

    // Every accepted reply, at most two minutes after the last was sent; then a little longer, so late duplicates show.
    await Until(() => Replies().Select(c => c.Text).Distinct().Count() >= accepted.Length, TimeSpan.FromMinutes(2), "every reply reached AltaBots",
        throwOnTimeout: false);
    await Task.Delay(TimeSpan.FromSeconds(3));
    var loadAfter = Machine.LoadAverage();
    await sampling.CancelAsync();
    var depth = await depths;

    // What Conversations recorded (some replies whose POST timed out on this side were recorded all the same), in its
    // order, and when each step happened, from Outbound's delivery table. One clock: the same machine.
    var queued = await Queued();
    var arrivals = Replies();
    var byText = arrivals.GroupBy(c => c.Text!).ToDictionary(g => g.Key, g => g.OrderBy(c => c.StartedAt).ToList());
    var index = Enumerable.Range(0, total).ToDictionary(Text);
    var received = byText.Keys.Where(index.ContainsKey).Select(text => index[text]).Order().ToArray();
    var acceptedNotReceived = accepted.Count(i => !byText.ContainsKey(Text(i)));
    var duplicates = byText.Values.Count(calls => calls.Count > 1);
    // In order means in the order Conversations recorded them (its sequence), per conversation, by first arrival.
    var outOfOrder = arrivals.Where(c => byText[c.Text!][0] == c && queued.ContainsKey(c.Text!)).GroupBy(c => c.ConversationId)
        .Count(g => !Ascending(g.Select(c => queued[c.Text!].Sequence).ToList()));
    var first = arrivals.Count > 0 ? arrivals.Min(c => c.StartedAt) : default;
    var last = arrivals.Count > 0 ? arrivals.Max(c => c.StartedAt) : default;
    var answers = string.Join(", ", status.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{(g.Key < 0 ? "no answer" : g.Key.ToString())} x{g.Count():N0}"));

    Console.WriteLine();
    var answeredIn = accepted.Length > 0 ? accepted.Max(i => answeredAt[i]) - sentAt[0] : TimeSpan.Zero;
    Console.WriteLine($"sent:           {total:N0} in {sending.TotalSeconds:F1} s ({total / sending.TotalSeconds:F1}/s); answers: {answers}; " +
                      $"the 202s within {answeredIn.TotalSeconds:F1} s of the first POST ({accepted.Length / Math.Max(answeredIn.TotalSeconds, 0.001):F1}/s)");
    Console.WriteLine($"received:       {received.Length:N0} ({accepted.Length - acceptedNotReceived:N0} of the {accepted.Length:N0} answered 202) " +
                      $"in {(last - first).TotalSeconds:F1} s ({received.Length / Math.Max((last - first).TotalSeconds, 0.001):F1}/s); " +
                      $"duplicates: {duplicates}; conversations out of order: {outOfOrder}");
    Console.WriteLine($"POST -> AltaBots: {Stats(received.Select(i => byText[Text(i)][0].StartedAt - sentAt[i]))}");
    Console.WriteLine($"POST -> answer:   {Stats(Enumerable.Range(0, total).Where(i => status[i] > 0).Select(i => answeredAt[i] - sentAt[i]))}");
    var hops = received.Where(i => queued.ContainsKey(Text(i))).Select(i => (Reply: i, Row: queued[Text(i)], At: byText[Text(i)][0].StartedAt)).ToList();
    Console.WriteLine($"  POST -> recorded by Conversations: {Stats(hops.Select(h => h.Row.DecidedAt - sentAt[h.Reply]))}");
    Console.WriteLine($"  recorded -> queued by Outbound:    {Stats(hops.Select(h => h.Row.QueuedAt - h.Row.DecidedAt))}");
    Console.WriteLine($"  queued -> at AltaBots:             {Stats(hops.Select(h => h.At - h.Row.QueuedAt))}");
    Console.WriteLine($"  at AltaBots -> recorded delivered: {Stats(hops.Where(h => h.Row.DeliveredAt is not null).Select(h => h.Row.DeliveredAt!.Value - h.At))}");
    Console.WriteLine($"  {IntakeQueue} depth: max {(depth.Count > 0 ? depth.Max(d => d.Messages) : 0):N0}, " +
                      $"when the last reply was sent {depth.LastOrDefault(d => d.At <= sentAt[^1]).Messages:N0} " +
                      "(deep: Outbound's intake is behind; near 0: what reaches it is all it gets)");
    Console.WriteLine($"machine:        {Environment.ProcessorCount} cores, {Machine.TotalMemory()} RAM, {Environment.OSVersion}; " +
                      $"load average before {loadBefore}, after {loadAfter}");
    return acceptedNotReceived == 0 && accepted.Length == total && duplicates == 0 && outOfOrder == 0 ? 0 : 1;

    async Task Post(int i)
    {
        sentAt[i] = DateTimeOffset.UtcNow;
        try
        {
            using var response = await gateway.PostAsJsonAsync($"/api/conversations/{Conversation(i)}/messages", new { text = Text(i) });
            answeredAt[i] = DateTimeOffset.UtcNow;
            status[i] = (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            answeredAt[i] = DateTimeOffset.UtcNow;
            status[i] = -1;
        }
    }

    string Conversation(int i) => ids[i % conversations];

    string Text(int i) => $"bench reply {i:D6} to {Conversation(i)}";

    // The broker's count of messages waiting in (or taken from, unacknowledged) Outbound's intake queue, twice a second.
    async Task<List<(DateTimeOffset At, long Messages)>> SampleIntakeQueue(CancellationToken ct)
    {
        var samples = new List<(DateTimeOffset, long)>();
        var management = env.Infrastructure.RabbitMqManagement;
        using var http = new HttpClient { BaseAddress = new UriBuilder(management) { UserName = "", Password = "" }.Uri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(management.UserInfo))));
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var queue = await http.GetFromJsonAsync<JsonElement>($"api/queues/{env.VirtualHost}/{IntakeQueue}?columns=messages", ct);
                if (queue.TryGetProperty("messages", out var messages)) samples.Add((DateTimeOffset.UtcNow, messages.GetInt64()));
                await Task.Delay(500, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
        }
        return samples;
    }

    List<ReceivedCall> Replies() => altaBots.AllCalls.Where(c => c.Text?.StartsWith("bench reply ", StringComparison.Ordinal) == true).ToList();
}
finally
{
    foreach (var service in services.Where(s => !s.HasExited))
    {
        service.Kill(entireProcessTree: true);
        await service.WaitForExitAsync();
    }
    await altaBots.DisposeAsync();
    await env.DisposeAsync();
}

async Task<string> Start(string name, params (string Key, string Value)[] settings)
{
    var url = $"http://127.0.0.1:{Machine.FreePort()}";
    var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
    var root = bin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
    var dll = Path.Combine(root, "services", name, "bin", bin.Parent.Name, bin.Name, $"Handoff.{name}.dll");
    var start = new ProcessStartInfo("dotnet", dll)
    {
        WorkingDirectory = Path.GetDirectoryName(dll)!,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
    foreach (var (key, value) in env.ServiceEnvironment(name.ToLowerInvariant())) start.Environment[key] = value;
    // PostgreSQL here has max_connections 100, shared with the tests of other engineers: each pool stays small.
    start.Environment["ConnectionStrings__Postgres"] = $"{env.PostgresConnectionString};Maximum Pool Size={PoolSize}";
    foreach (var (key, value) in settings) start.Environment[key] = value;
    start.Environment["ASPNETCORE_URLS"] = url;
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    var process = Process.Start(start)!;
    lock (services) services.Add(process);
    var prefix = name.ToLowerInvariant();
    process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  {prefix}| {e.Data}"); };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  {prefix}| {e.Data}"); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();

    using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(2) };
    for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline && !process.HasExited; await Task.Delay(200))
    {
        try
        {
            if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode) return url;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
    }
    throw new InvalidOperationException($"{name} did not become ready");
}

async Task<Dictionary<string, (string Conversation, long Sequence, DateTimeOffset DecidedAt, DateTimeOffset QueuedAt, DateTimeOffset? DeliveredAt)>> Queued()
{
    await using var command = new NpgsqlCommand($"""
        select body::jsonb ->> 'body', conversation_id, sequence, decided_at, queued_at, delivered_at from "{env.Schema("outbound")}".deliveries
        where kind = 'message' and body::jsonb ->> 'body' like 'bench reply %'
        """, database);
    var rows = new Dictionary<string, (string, long, DateTimeOffset, DateTimeOffset, DateTimeOffset?)>();
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
        rows[reader.GetString(0)] = (reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3),
            reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5));
    return rows;
}

static async Task Until(Func<bool> condition, TimeSpan timeout, string what, bool throwOnTimeout = true)
{
    for (var deadline = DateTime.UtcNow + timeout; !condition(); await Task.Delay(250))
        if (DateTime.UtcNow > deadline)
        {
            if (throwOnTimeout) throw new TimeoutException($"Not within {timeout}: {what}");
            Console.WriteLine($"Not within {timeout}: {what}");
            return;
        }
}

static string Stats(IEnumerable<TimeSpan> spans)
{
    var sorted = spans.Select(s => s.TotalMilliseconds).Order().ToArray();
    return sorted.Length == 0 ? "none"
        : $"min {sorted[0]:F0} ms, p50 {P(sorted, 0.50):F0} ms, p90 {P(sorted, 0.90):F0} ms, p99 {P(sorted, 0.99):F0} ms, max {sorted[^1]:F0} ms";
}

static bool Ascending(List<long> sequences) => sequences.Zip(sequences.Skip(1)).All(p => p.First <= p.Second);

static double P(double[] sorted, double quantile) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
