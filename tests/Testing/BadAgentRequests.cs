using System.Net.Http.Headers;
using System.Text;

namespace Handoff.Testing;

/// <summary>One generated request to the agent or operator API that must be refused.</summary>
public sealed record BadApiRequest(string Kind, HttpMethod Method, string Path, byte[]? Body, string? ContentType, string? Token)
{
    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(Method, Path);
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
            if (ContentType is not null) message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        }
        if (Token is not null) message.Headers.TryAddWithoutValidation("Authorization", Token);
        return message;
    }

    public override string ToString() => $"{Kind}: {Method} {(Path.Length > 120 ? Path[..120] + "…" : Path)} ({Body?.Length ?? 0} bytes)";
}

/// <summary>
/// A seeded generator of bad agent API requests: broken tokens, bad query parameters, odd ids, and reply or
/// assignment bodies of every bad kind. <paramref name="existing"/> is a real open conversation, so bad bodies also
/// reach one that exists; nothing sent to it may change it. Conversations' tests send them to the service, the
/// Gateway's through its proxy.
/// </summary>
public sealed class BadAgentRequests(int seed, string existing, int maxTextLength = 8000)
{
    private readonly Random random = new(seed);
    private readonly string supervisor = "Bearer " + DevToken.Create("fuzzer");

    private static readonly string[] Kinds =
    [
        "no token", "malformed token", "forged token", "expired token", "alg none", "bad status", "bad paging", "odd id",
        "malformed json", "wrong root", "wrong type", "null text", "blank text", "long text", "deep nesting", "invalid utf-8",
        "raw control character", "duplicate key", "megabyte body", "wrong content type", "bad agent id", "wrong method", "unknown path",
    ];

    public BadApiRequest Next()
    {
        var kind = Kinds[random.Next(Kinds.Length)];
        var id = random.Next(3) == 0 ? existing : "missing-" + random.Next();
        var reply = random.Next(2) == 0;
        var path = $"/api/conversations/{Uri.EscapeDataString(id)}/{(reply ? "messages" : "assign")}";
        var field = reply ? "text" : "agentId";
        string? json = null;
        byte[]? bytes = null;
        var contentType = "application/json";
        var token = supervisor;
        var method = HttpMethod.Post;

        switch (kind)
        {
            case "no token": token = null; json = Valid(field); break;
            case "malformed token": token = Pick("Bearer", "Bearer ", "Bearer abc", "Basic Zm9vOmJhcg==", "Bearer a.b.c", "Bearer " + new string('x', 5000)); json = Valid(field); break;
            case "forged token": token = "Bearer " + DevToken.Create("mallory", signingKey: "another-signing-key-0123456789abcdef0123"); json = Valid(field); break;
            case "expired token": token = "Bearer " + DevToken.Create("late", lifetime: TimeSpan.FromHours(-1)); json = Valid(field); break;
            case "alg none":
                var real = DevToken.Create("mallory").Split('.');
                token = "Bearer " + Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + real[1] + ".";
                json = Valid(field);
                break;
            case "bad status":
                method = HttpMethod.Get;
                path = "/api/conversations?status=" + Uri.EscapeDataString(Pick("bored", "1", "-1", "waiting,active", "", "%00", new string('w', 3000), "\u0001", "closed;drop"));
                if (path.EndsWith('=')) path += "x";
                break;
            case "bad paging":
                method = HttpMethod.Get;
                path = "/api/conversations?" + Pick("page=0", "page=-1", "page=abc", "page=99999999999", "pageSize=0", "pageSize=201", "pageSize=-5",
                    "pageSize=x", "pageSize=2147483648", "page=1.5", "page=" + int.MaxValue, "page=2147483647&pageSize=200");
                break;
            case "odd id":
                // No %00: the in-process test client refuses it before sending (Kestrel answers it 400 itself).
                method = Pick(HttpMethod.Get, HttpMethod.Post);
                var odd = Pick(new string('i', random.Next(200, 5000)), "%01abc", "..", "%2F%2F", "\u202Eevil", "日本語-" + random.Next(), "%FF%FE");
                path = $"/api/conversations/{(odd.Contains('%') ? odd : Uri.EscapeDataString(odd))}" + (method == HttpMethod.Post ? Pick("/messages", "/close") : "");
                json = method == HttpMethod.Post ? Valid("text") : null;
                break;
            case "malformed json":
                var whole = Valid(field);
                json = whole[..random.Next(0, whole.Length)];
                break;
            case "wrong root": json = Pick("[]", "\"text\"", "42", "true", "[{\"text\":\"hi\"}]", "-1e400"); break;
            case "wrong type": json = $"{{\"{field}\":{Pick("1", "true", "[]", "{}", "[\"a\"]", "1e400", "{\"text\":\"hi\"}")}}}"; break;
            case "null text": json = Pick($"{{\"{field}\":null}}", "{}", "null", $"{{\"other\":\"x\"}}"); break;
            case "blank text": json = $"{{\"{field}\":\"{Pick("", " ", "\\t\\n", "   ")}\"}}"; break;
            case "long text":
                json = reply
                    ? $"{{\"text\":\"{new string('t', random.Next(maxTextLength + 1, maxTextLength * 4))}\"}}"
                    : $"{{\"agentId\":\"{new string('a', random.Next(129, 20_000))}\"}}";
                break;
            case "deep nesting":
                var depth = random.Next(65, 5000);
                json = $"{{\"{field}\":" + new string('[', depth) + new string(']', depth) + "}";
                break;
            case "invalid utf-8":
                byte[] broken = Pick(new byte[] { 0xFF }, [0xC0, 0x80], [0x80], [0xE2, 0x82], [0xED, 0xA0, 0x80]);
                bytes = [.. Encoding.UTF8.GetBytes($"{{\"{field}\":\"a"), .. broken, .. Encoding.UTF8.GetBytes("b\"}")];
                break;
            case "raw control character":
                json = $"{{\"{field}\":\"a{(char)random.Next(0, 0x20)}b\"}}";
                break;
            case "duplicate key":
                json = $"{{\"{field}\":\"first\",\"{field}\":\"second\"}}";
                break;
            case "megabyte body":
                json = $"{{\"{field}\":\"{new string('m', random.Next(1 << 20, 3 << 20))}\"}}";
                break;
            case "wrong content type":
                json = Valid(field);
                contentType = Pick<string?>("text/plain", "application/xml", "application/x-www-form-urlencoded", null, "multipart/form-data; boundary=x",
                    "application/json; charset=bogus");
                break;
            case "bad agent id":
                path = $"/api/conversations/{Uri.EscapeDataString(id)}/assign";
                json = $"{{\"agentId\":\"{Pick("", "a\\u0000b", "\\u0007", "x\\ny")}\"}}";
                break;
            case "wrong method":
                method = Pick(HttpMethod.Delete, HttpMethod.Put, HttpMethod.Patch);
                json = Valid(field);
                break;
            case "unknown path":
                method = Pick(HttpMethod.Get, HttpMethod.Post);
                path = Pick("/api/conversationz", "/api/conversations/x/y/z", "/api", "/api/conversations/x/reply", "/api/../etc/passwd", "/nothing");
                json = method == HttpMethod.Post ? Valid(field) : null;
                break;
        }
        bytes ??= json is null ? null : Encoding.UTF8.GetBytes(json);
        return new BadApiRequest(kind, method, path, bytes, contentType, token);
    }

    private string Valid(string field) => field == "text" ? "{\"text\":\"hello\"}" : "{\"agentId\":\"fuzzer\"}";

    private static string Base64Url(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private T Pick<T>(params T[] options) => options[random.Next(options.Length)];
}
