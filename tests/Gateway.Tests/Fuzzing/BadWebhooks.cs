using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Handoff.Gateway.Tests.Fuzzing;

/// <summary>One generated request that no correct Gateway may accept.</summary>
public sealed record BadRequest(string Kind, HttpMethod Method, string Path, byte[] Body, string? ContentType, bool Chunked,
    (string Name, string Value)[] Headers)
{
    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(Method, Path);
        if (Method != HttpMethod.Get)
        {
            HttpContent content = Chunked ? new StreamContent(new MemoryStream(Body)) : new ByteArrayContent(Body);
            if (ContentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
            if (Chunked) content.Headers.ContentLength = null;
            message.Content = content;
        }
        foreach (var (name, value) in Headers) message.Headers.TryAddWithoutValidation(name, value);
        return message;
    }

    public override string ToString() => $"{Kind}: {Method} {Path} ({Body.Length} bytes, {ContentType ?? "no content type"})";
}

/// <summary>
/// A seeded generator of bad webhooks: every kind the issue lists, each built from a valid body by a change that
/// must make it invalid, so any 2xx is a bug. The same seed gives the same cases.
/// </summary>
public sealed class BadWebhooks(int seed, string secret, int maxIdLength = 128, int maxTextLength = 8000, int maxHistory = 200)
{
    private readonly Random random = new(seed);

    private static readonly string[] Kinds =
    [
        "truncated json", "garbage bytes", "wrong root", "wrong type", "missing field", "null field", "empty string",
        "long id", "long text", "timestamp out of range", "deep nesting", "invalid utf-8", "raw control character",
        "escaped control character in id", "megabyte body", "wrong content type", "duplicate key", "long history",
        "bad enum", "no secret", "wrong secret", "wrong method",
    ];

    private static readonly Dictionary<string, string[]> Required = new()
    {
        ["/conversation/establish"] = ["conversation_id", "bot_id", "timestamp", "body"],
        ["/chat"] = ["conversation_id", "timestamp", "body"],
        ["/conversation/close"] = ["conversation_id", "timestamp", "type"],
    };

    public BadRequest Next()
    {
        var kind = Kinds[random.Next(Kinds.Length)];
        var webhook = Required.Keys.ElementAt(random.Next(Required.Count));
        var body = Valid(webhook);
        var fields = Required[webhook];
        var contentType = "application/json";
        var method = HttpMethod.Post;
        var withSecret = true;
        var secretToUse = secret;
        byte[]? bytes = null;

        switch (kind)
        {
            case "truncated json":
                var whole = body.ToJsonString();
                bytes = Encoding.UTF8.GetBytes(whole[..random.Next(0, whole.Length)]);
                break;
            case "garbage bytes":
                bytes = new byte[random.Next(1, 2000)];
                random.NextBytes(bytes);
                bytes[0] = (byte)"[{\"tx-!@ \0\u00ff"[random.Next(11)];
                if (bytes[0] == '{') bytes[^1] = (byte)',';
                break;
            case "wrong root":
                bytes = Encoding.UTF8.GetBytes(Pick("[]", "[" + body.ToJsonString() + "]", "\"text\"", "42", "null", "true", "-1e400", ""));
                break;
            case "wrong type":
                var wrong = Pick(fields);
                body[wrong] = (wrong, webhook) switch
                {
                    ("timestamp", _) => Pick<JsonNode>(JsonValue.Create(true), new JsonArray(), new JsonObject(), JsonValue.Create("soon")),
                    ("body", "/conversation/establish") => Pick<JsonNode>(JsonValue.Create(random.Next()), JsonValue.Create(false),
                        new JsonObject(), JsonValue.Create("history"), new JsonArray(JsonValue.Create(1))),
                    _ => Pick<JsonNode>(JsonValue.Create(random.Next()), JsonValue.Create(true), new JsonArray(), new JsonObject(),
                        JsonValue.Create(random.NextDouble())),
                };
                break;
            case "missing field":
                body.Remove(Pick(fields));
                break;
            case "null field":
                body[Pick(fields)] = null;
                break;
            case "empty string":
                body[Pick(fields.Where(f => f is not ("timestamp" or "body") || webhook == "/chat").ToArray())] = "";
                break;
            case "long id":
                body[webhook == "/conversation/establish" ? Pick("conversation_id", "bot_id") : "conversation_id"] =
                    new string('a', random.Next(maxIdLength + 1, 20_000));
                break;
            case "long text":
                var text = new string('t', random.Next(maxTextLength + 1, maxTextLength * 7));
                if (webhook == "/conversation/establish") ((JsonArray)body["body"]!)[0]!["text"] = text;
                else if (webhook == "/chat") body["body"] = text;
                else body["type"] = text;
                break;
            case "timestamp out of range":
                body["timestamp"] = Pick<JsonNode>(JsonValue.Create(-random.NextInt64(0, long.MaxValue)), JsonValue.Create(0),
                    JsonValue.Create(253_402_300_800_000 + random.NextInt64(0, 1L << 60)), JsonValue.Create(1.5e300),
                    JsonValue.Create(1742265091000.5), JsonValue.Create(ulong.MaxValue), JsonValue.Create("1742265091000"));
                break;
            case "deep nesting":
                var depth = random.Next(17, 5000);
                var open = random.Next(2) == 0 ? "[" : "{\"a\":";
                var close = open == "[" ? "]" : "}";
                var nested = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
                var json = body.ToJsonString();
                var field = Pick(fields);
                bytes = Encoding.UTF8.GetBytes(json.Replace($"\"{field}\":", $"\"{field}\":{nested},\"{field}_\":"));
                break;
            case "invalid utf-8":
                var valid = Encoding.UTF8.GetBytes(body.ToJsonString());
                var at = Array.IndexOf(valid, (byte)'"', Array.IndexOf(valid, (byte)':') + 1) + 1; // inside the first string value
                byte[] broken = Pick(new byte[] { 0xFF }, [0xC0, 0x80], [0x80], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]);
                bytes = [.. valid[..at], .. broken, .. valid[at..]];
                break;
            case "raw control character":
                var withControl = body.ToJsonString();
                var quote = withControl.IndexOf('"', withControl.IndexOf(':') + 1) + 1;
                bytes = Encoding.UTF8.GetBytes(withControl[..quote] + (char)random.Next(0, 0x20) + withControl[quote..]);
                break;
            case "escaped control character in id":
                body["conversation_id"] = "conv-" + (char)random.Next(0, 0x20) + "-" + random.Next();
                break;
            case "megabyte body":
                body["padding"] = new string('p', random.Next(1 << 20, 3 << 20));
                break;
            case "wrong content type":
                contentType = Pick<string?>("text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                    null, "application/jsonx", "text/json-ish");
                break;
            case "duplicate key":
                var dupe = Pick(fields);
                var original = body.ToJsonString();
                bytes = Encoding.UTF8.GetBytes(original[..^1] + $",\"{dupe}\":{body[dupe]?.ToJsonString() ?? "null"}}}");
                break;
            case "long history":
                webhook = "/conversation/establish";
                body = Valid(webhook);
                var turns = new JsonArray();
                for (var i = 0; i < maxHistory + 1 + random.Next(50); i++) turns.Add(new JsonObject { ["text"] = "", ["message_type"] = "ANSWER" });
                body["body"] = turns;
                break;
            case "bad enum":
                if (webhook == "/conversation/close") body["type"] = Pick("BORED", "", "USER CLOSED", "timeout ");
                else { webhook = "/conversation/establish"; body = Valid(webhook); ((JsonArray)body["body"]!)[0]!["message_type"] = Pick("STATEMENT", "", "question?"); }
                break;
            case "no secret":
                withSecret = false;
                break;
            case "wrong secret":
                secretToUse = secret[..^1] + (secret[^1] == 'x' ? 'y' : 'x');
                break;
            case "wrong method":
                method = Pick(HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch);
                break;
        }

        bytes ??= Encoding.UTF8.GetBytes(body.ToJsonString());
        var prefix = Pick("", "/human/service");
        var headers = new List<(string, string)>();
        var path = prefix + webhook;
        if (withSecret)
        {
            switch (random.Next(4))
            {
                case 0: path = $"/hooks/{secretToUse}{path}"; break;
                case 1: path += $"?secret={secretToUse}"; break;
                case 2: headers.Add(("Authorization", $"Bearer {secretToUse}")); break;
                default: headers.Add(("X-Handoff-Webhook-Secret", secretToUse)); break;
            }
        }
        return new BadRequest(kind, method, path, bytes, contentType, Chunked: random.Next(4) == 0, headers.ToArray());
    }

    private JsonObject Valid(string webhook)
    {
        var id = "fuzz-" + random.Next();
        return webhook switch
        {
            "/conversation/establish" => new JsonObject
            {
                ["conversation_id"] = id, ["bot_id"] = "bot-" + random.Next(), ["timestamp"] = 1742265090895, ["email"] = "bob@example.com",
                ["body"] = new JsonArray(new JsonObject { ["text"] = "human", ["message_type"] = "QUESTION" }),
                ["user_info"] = new JsonObject { ["phone"] = null, ["user_id"] = "u" },
            },
            "/chat" => new JsonObject { ["conversation_id"] = id, ["timestamp"] = 1742265091000, ["body"] = "hello" },
            _ => new JsonObject { ["conversation_id"] = id, ["timestamp"] = 1742265092000, ["type"] = "USER_CLOSED" },
        };
    }

    private T Pick<T>(params T[] options) => options[random.Next(options.Length)];
}
