using System.Text;
using Handoff.Testing;

namespace Handoff.Gateway.Tests.Fuzzing;

/// <summary>
/// A seeded generator of bad operator API requests (<c>/api/deliveries</c>, Outbound's): tokens that are broken or not a
/// supervisor's, query parameters of every bad kind, deliveries that do not exist. A request that would be served
/// (a valid replay, say) is never generated: any 2xx is a bug.
/// </summary>
public sealed class BadOperatorRequests(int seed)
{
    private readonly Random random = new(seed);
    private readonly string supervisor = "Bearer " + DevToken.Create("fuzz-operator");

    private static readonly string[] Kinds =
    [
        "no token", "malformed token", "forged token", "expired token", "agent token", "no role", "bad status", "bad since",
        "since with another status", "bad offset", "bad limit", "unknown delivery", "replay unknown", "replay without since",
        "wrong method", "unknown path", "odd id", "body where none belongs",
    ];

    public BadApiRequest Next()
    {
        var kind = Kinds[random.Next(Kinds.Length)];
        var method = HttpMethod.Get;
        var path = "/api/deliveries";
        var token = supervisor;
        byte[]? body = null;

        switch (kind)
        {
            case "no token": token = null; path = Any(); break;
            case "malformed token": token = Pick("Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer a.b.c", "Bearer " + new string('x', 5000)); path = Any(); break;
            case "forged token": token = "Bearer " + DevToken.Create("mallory", signingKey: "another-signing-key-0123456789abcdef0123"); path = Any(); break;
            case "expired token": token = "Bearer " + DevToken.Create("late", lifetime: TimeSpan.FromHours(-1)); path = Any(); break;
            case "agent token": token = "Bearer " + DevToken.Create("agent-7", role: DevToken.Agent, bots: ["bot-1"]); path = Any(); break;
            case "no role": token = "Bearer " + DevToken.Create("nobody", role: null); path = Any(); break;
            case "bad status":
                path = "/api/deliveries?status=" + Uri.EscapeDataString(Pick("bored", "1", "-1", "failed,pending", "%00", "\u0001", "delivered;drop", new string('s', 3000)));
                break;
            case "bad since":
                path = "/api/deliveries?since=" + Pick("yesterday", "2025-11-25", "2025-11-25T09:30:00", "2025-11-25T09:30:00 00:00", "9999-99-99T99:99Z",
                    "2025-13-45T25:61:61Z", "0000-01-01T00:00:00+99:99", "%00", new string('2', 2000), "1732527000");
                break;
            case "since with another status":
                path = $"/api/deliveries?status={Pick("pending", "delivered")}&since=2025-11-25T09:30:00Z";
                break;
            case "bad offset": path = "/api/deliveries?offset=" + Pick("-1", "abc", "1.5", "99999999999", "+1", "0x10", " 1", "%00"); break;
            case "bad limit": path = "/api/deliveries?limit=" + Pick("0", "501", "-5", "x", "2147483648", "1e2", "%20"); break;
            case "unknown delivery": path = $"/api/deliveries/{Guid.NewGuid()}"; break;
            case "replay unknown":
                method = HttpMethod.Post;
                path = $"/api/deliveries/{Pick(Guid.NewGuid().ToString(), "not-a-guid", new string('g', 300))}/replay";
                break;
            case "replay without since":
                method = HttpMethod.Post;
                path = "/api/deliveries/replay" + Pick("", "?since=", "?since=yesterday", "?since=2025-11-25T09:30:00", "?since=2025-11-25T09:30:00+00:00");
                break;
            case "wrong method":
                method = Pick(HttpMethod.Delete, HttpMethod.Put, HttpMethod.Patch);
                path = Pick("/api/deliveries", $"/api/deliveries/{Guid.NewGuid()}", "/api/deliveries/replay");
                break;
            case "unknown path":
                method = Pick(HttpMethod.Get, HttpMethod.Post);
                path = Pick("/api/deliveries/x/y/z", $"/api/deliveries/{Guid.NewGuid()}/retry", "/api/deliveries/openapi/v2.json", "/api/deliveriesx/1");
                break;
            case "odd id":
                method = Pick(HttpMethod.Get, HttpMethod.Post);
                var odd = Pick("%01abc", "%2F%2F", "%FF%FE", "..%2F..", "{" + Guid.NewGuid() + "}x", new string('i', random.Next(200, 5000)));
                path = $"/api/deliveries/{odd}" + (method == HttpMethod.Post ? "/replay" : "");
                break;
            case "body where none belongs":
                path = $"/api/deliveries/{Guid.NewGuid()}";
                method = Pick(HttpMethod.Get, HttpMethod.Post);
                if (method == HttpMethod.Post) path += "/replay";
                body = Encoding.UTF8.GetBytes(Pick("{\"since\":\"2025-11-25T09:30:00Z\"}", "[]", "{not json", new string('b', random.Next(1 << 16, 1 << 20))));
                break;
        }
        return new BadApiRequest(kind, method, path, body, body is null ? null : "application/json", token);
    }

    /// <summary>Any of the operator API's paths, each of which a supervisor could call.</summary>
    private string Any() => Pick("/api/deliveries", "/api/deliveries?status=failed", $"/api/deliveries/{Guid.NewGuid()}");

    private T Pick<T>(params T[] options) => options[random.Next(options.Length)];
}
