using System.Text;
using Handoff.Testing;

namespace Handoff.Gateway.Tests.Fuzzing;

/// <summary>
/// One request written byte by byte. <paramref name="ServerMayRefuse"/>: it breaks HTTP/1.1 or goes over one of
/// Kestrel's limits, which Kestrel answers itself, before any code of the Gateway runs, with a status and no body.
/// <paramref name="ApiPath"/>: its path stays under <c>/api</c> however the server normalises it.
/// </summary>
public sealed record RawRequest(string Kind, BadApiRequest Base, byte[] Bytes, bool ServerMayRefuse, bool ApiPath)
{
    public bool IsHead => Base.Method == HttpMethod.Head;

    public override string ToString() => $"{Kind} over {Base} ({Bytes.Length} bytes{(ServerMayRefuse ? ", the server may refuse it" : "")})";
}

/// <summary>
/// A seeded generator of what the Gateway itself sees first: malformed and oversized requests to the public APIs, each
/// a bad agent or operator request from <paramref name="nextBase"/> written out by hand and then bent at the HTTP layer
/// (percent-encoding, header sizes and counts, framing, odd hosts and headers the proxy forwards or adds to).
/// The base request is refused on its own, so whatever gets past the bending must still be refused.
/// </summary>
public sealed class BadEdgeRequests(int seed, Func<BadApiRequest> nextBase)
{
    private readonly Random random = new(seed);

    private static readonly string[] Kinds =
    [
        "huge header", "many headers", "bad escape in path", "null escape in path", "raw byte in target", "long url", "chunked body",
        "bad chunk framing", "short content-length", "two content-lengths", "content-length and chunked", "utf-8 header value",
        "invalid utf-8 header value", "control character in header", "bad header name", "forwarding headers", "trace headers",
        "expect", "upgrade", "content-encoding", "http/1.0", "odd host", "absolute-form target", "odd content-type", "odd method",
    ];

    public RawRequest Next()
    {
        var bad = nextBase();
        var kind = Kinds[random.Next(Kinds.Length)];
        var method = bad.Method.Method;
        var target = Escape(bad.Path);
        var version = "HTTP/1.1";
        var host = "gateway.test";
        var connection = "close";
        var headers = new List<(string Name, byte[] Value)>();
        var body = bad.Body ?? [];
        byte[]? framed = null; // the body as written, when not plain Content-Length
        string? contentLength = body.Length > 0 || bad.Body is not null ? body.Length.ToString() : null;
        var mayRefuse = false;
        var apiPath = true;

        switch (kind)
        {
            case "huge header":
                var size = random.Next(1_000, 48_000);
                headers.Add(("X-Fuzz", Ascii(new string((char)random.Next('a', 'z' + 1), size))));
                mayRefuse = size > 30_000; // Kestrel's 32 KB covers every header
                break;
            case "many headers":
                var count = random.Next(10, 140);
                for (var i = 0; i < count; i++) headers.Add(($"X-Fuzz-{i}", Ascii(i.ToString())));
                mayRefuse = count > 90; // Kestrel takes 100 headers
                break;
            case "bad escape in path":
                target = Insert(target, Pick("%ZZ", "%G1", "%", "%F", "%FF", "%FF%FE", "%C0%AF", "%E2%82", "%ED%A0%80", "%2F", "%5C", "%25", "%u0041", "%%41"));
                break;
            case "null escape in path":
                target = Insert(target, "%00");
                mayRefuse = true;
                break;
            case "raw byte in target":
                target = Insert(target, Encoding.Latin1.GetString(Pick<byte[]>([0x20], [0x09], [0x01], [0x7F], [0xC3, 0xA9], [0xFF], [0x22], [0x3C])));
                mayRefuse = true;
                break;
            case "long url":
                var line = random.Next(6_000, 12_000);
                target += (target.Contains('?') ? "&" : "?") + "pad=" + new string('p', Math.Max(1, line - target.Length));
                mayRefuse = target.Length > 7_900; // Kestrel takes an 8 KB request line
                break;
            case "chunked body":
                framed = Chunked(body);
                contentLength = null;
                headers.Add(("Transfer-Encoding", Ascii("chunked")));
                break;
            case "bad chunk framing":
                framed = Ascii(Pick("zz\r\nab\r\n0\r\n\r\n", "-1\r\nab\r\n0\r\n\r\n", "2\r\nabcd\r\n0\r\n\r\n", "2;" + new string('e', 9000) + "\r\nab\r\n0\r\n\r\n",
                    "ffffffffffffffffff\r\nab\r\n0\r\n\r\n", "2\r\nab0\r\n\r\n"));
                contentLength = null;
                headers.Add(("Transfer-Encoding", Ascii("chunked")));
                break;
            case "short content-length":
                // The rest of the body reads as a second request, on a connection the server closes after the first.
                contentLength = Math.Max(0, body.Length - random.Next(1, 10)).ToString();
                break;
            case "two content-lengths":
                contentLength ??= "0";
                headers.Add(("Content-Length", Ascii((body.Length + 1).ToString())));
                mayRefuse = true;
                break;
            case "content-length and chunked":
                framed = Chunked(body);
                headers.Add(("Transfer-Encoding", Ascii("chunked")));
                contentLength = random.Next(0, 100).ToString();
                mayRefuse = true; // RFC 9112 lets a server refuse it outright
                break;
            case "utf-8 header value":
                headers.Add((Pick("X-Name", "User-Agent", "Accept-Language", "Authorization"), Encoding.UTF8.GetBytes(Pick("é", "日本語", "Ωmega", "👍", "\u202Eevil"))));
                break;
            case "invalid utf-8 header value":
                headers.Add(("X-Name", Pick<byte[]>([0xE9], [0xFF, 0xFE], [0xC0, 0x80], [0xED, 0xA0, 0x80])));
                mayRefuse = true;
                break;
            case "control character in header":
                var control = (byte)Pick(0, 1, 7, 8, 0x0B, 0x0C, 0x1B, 0x7F);
                headers.Add(("X-Name", [(byte)'a', control, (byte)'b']));
                mayRefuse = control is 0 or 0x7F;
                break;
            case "bad header name":
                headers.Add((Pick("X Fuzz", "X-Fuzz:", "Ä", "X(Fuzz)", "X\"Fuzz", ""), Ascii("v")));
                mayRefuse = true;
                break;
            case "forwarding headers":
                headers.Add((Pick("X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix", "Forwarded", "X-Real-IP"),
                    Ascii(Pick("::::zz", "a b", "gopher", "for=\"", "999.999.999.999", "/hooks/x", new string('f', 4000), "unknown, unknown, , ,"))));
                break;
            case "trace headers":
                headers.Add((Pick("traceparent", "tracestate", "baggage", "Request-Id", "Correlation-Context"),
                    Ascii(Pick("00-zz-zz-zz", "ff-" + new string('0', 32) + "-" + new string('0', 16) + "-01", "00-" + new string('a', 32) + "-" + new string('b', 16) + "-zz",
                        string.Join(",", Enumerable.Range(0, 400).Select(i => $"k{i}=v{i}")), new string('=', 3000), "a=b;c=d;;;=,,,"))));
                break;
            case "expect":
                // Rarely 100-continue: the proxy then waits a second for the destination's interim answer.
                headers.Add(("Expect", Ascii(Pick("100-continue", "200-ok", "", "100-continue, 100-continue", "nothing", "1", "200-ok", "x=y"))));
                break;
            case "upgrade":
                connection = "Upgrade";
                headers.Add(("Upgrade", Ascii(Pick("websocket", "h2c", "TLS/1.2", "IRC/6.9"))));
                headers.Add(("Sec-WebSocket-Version", Ascii("13")));
                headers.Add(("Sec-WebSocket-Key", Ascii("dGhlIHNhbXBsZSBub25jZQ==")));
                break;
            case "content-encoding":
                headers.Add(("Content-Encoding", Ascii(Pick("gzip", "br", "deflate", "zstd", "gzip, gzip", "identity"))));
                break;
            case "http/1.0":
                version = "HTTP/1.0";
                // HTTP/1.0 has no other way to say a body is empty, and Kestrel refuses a POST without it.
                if (method != "GET") contentLength ??= "0";
                break;
            case "odd host":
                var odd = Pick("gateway.test:999999", "[::1]:80", "localhost:0", new string('h', 2000) + ".test", "", "a b", "a/b", "x@y");
                mayRefuse = odd is "" or "a b" or "a/b" or "x@y";
                host = odd;
                break;
            case "absolute-form target":
                var authority = Pick(host, "evil.example", "gateway.test:1");
                target = "http://" + authority + target;
                mayRefuse = authority != host; // Kestrel insists the two agree
                break;
            case "odd content-type":
                headers.Add(("Content-Type", Ascii(Pick("application/json; charset=utf-16", "application/json; charset=bogus", "application/json;;;", "application/*",
                    "application/json; boundary=x", "json"))));
                break;
            case "odd method":
                method = Pick("get", "G3T", "QUERY", "PROPFIND", "TRACE", "OPTIONS", "HEAD", new string('M', 3000));
                bad = bad with { Method = new HttpMethod(method) };
                break;
        }
        // A normalised path that leaves /api lands on the webhooks (or nothing), which answer in the webhook shape.
        apiPath = !target.Contains("..") && !target.Contains("%2e", StringComparison.OrdinalIgnoreCase)
            && (target.StartsWith("/api/", StringComparison.Ordinal) || target.StartsWith("/api?", StringComparison.Ordinal) || target.Contains("://" + host + "/api/"));

        var request = new MemoryStream();
        void Line(string text) => request.Write(Encoding.Latin1.GetBytes(text + "\r\n"));
        Line($"{method} {target} {version}");
        Line($"Host: {host}");
        if (bad.Token is not null && !headers.Any(h => h.Name == "Authorization")) Line($"Authorization: {bad.Token}");
        if (bad.ContentType is not null && !headers.Any(h => h.Name == "Content-Type")) Line($"Content-Type: {bad.ContentType}");
        if (contentLength is not null) Line($"Content-Length: {contentLength}");
        Line($"Connection: {connection}");
        foreach (var (name, value) in headers)
        {
            request.Write(Encoding.Latin1.GetBytes(name + ": "));
            request.Write(value);
            Line("");
        }
        Line("");
        request.Write(framed ?? body);
        return new RawRequest(kind, bad, request.ToArray(), mayRefuse, apiPath);
    }

    /// <summary>What an HttpClient would put on the wire for this path: anything outside printable ASCII escaped.</summary>
    private static string Escape(string path) =>
        string.Concat(Encoding.UTF8.GetBytes(path).Select(b => b is > 0x20 and < 0x7F ? ((char)b).ToString() : $"%{b:X2}"));

    /// <summary>Puts <paramref name="text"/> inside the path (after /api/), never in the query.</summary>
    private string Insert(string target, string text)
    {
        var end = target.IndexOf('?') is var q and >= 0 ? q : target.Length;
        var at = random.Next(Math.Min(5, end), end + 1);
        return target[..at] + text + target[at..];
    }

    private byte[] Chunked(byte[] body)
    {
        var chunks = new MemoryStream();
        for (var at = 0; at < body.Length;)
        {
            var size = Math.Min(body.Length - at, random.Next(1, 4096));
            chunks.Write(Ascii($"{size:x}\r\n"));
            chunks.Write(body, at, size);
            chunks.Write("\r\n"u8);
            at += size;
        }
        chunks.Write("0\r\n\r\n"u8);
        return chunks.ToArray();
    }

    private static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);

    private T Pick<T>(params T[] options) => options[random.Next(options.Length)];
}
