using System.Text.Json;
using Handoff.Contracts;

namespace Handoff.Gateway.Webhooks;

/// <summary>
/// Turns the three AltaBots webhook bodies into commands. Pure, and by hand rather than through a serializer,
/// so that every rejection names the field and says what is wrong with it.
/// </summary>
public static class WebhookParser
{
    // The largest value DateTimeOffset.FromUnixTimeMilliseconds accepts (9999-12-31T23:59:59.999Z).
    private const long MaxUnixMilliseconds = 253_402_300_799_999;

    public static Parsed<EstablishConversation> Establish(ReadOnlyMemory<byte> json, WebhookLimits? limits = null) =>
        Parse(json, limits ?? WebhookLimits.Default, (root, l) => new EstablishConversation(
            ConversationId: Id(root, "conversation_id", l),
            BotId: Id(root, "bot_id", l),
            Timestamp: Timestamp(root),
            Email: OptionalString(root, "email", l),
            User: User(root, l),
            History: History(root, l)));

    public static Parsed<PostUserMessage> Chat(ReadOnlyMemory<byte> json, WebhookLimits? limits = null) =>
        Parse(json, limits ?? WebhookLimits.Default, (root, l) => new PostUserMessage(
            ConversationId: Id(root, "conversation_id", l),
            Timestamp: Timestamp(root),
            Text: Text(RequiredString(root, "body"), "body", l)));

    public static Parsed<RecordPlatformClose> Close(ReadOnlyMemory<byte> json, WebhookLimits? limits = null) =>
        Parse(json, limits ?? WebhookLimits.Default, (root, l) => new RecordPlatformClose(
            ConversationId: Id(root, "conversation_id", l),
            Timestamp: Timestamp(root),
            Type: Required(root, "type") switch
            {
                { ValueKind: JsonValueKind.String } t when Is(t, "TIMEOUT") => PlatformCloseType.Timeout,
                { ValueKind: JsonValueKind.String } t when Is(t, "USER_CLOSED") => PlatformCloseType.UserClosed,
                _ => throw new FieldException("type", "must be TIMEOUT or USER_CLOSED"),
            }));

    private static Parsed<T> Parse<T>(ReadOnlyMemory<byte> json, WebhookLimits limits, Func<JsonElement, WebhookLimits, T> read) where T : class
    {
        // The reader does not check the UTF-8 inside strings until they are read; a broken body is the sender's fault.
        if (!System.Text.Unicode.Utf8.IsValid(json.Span))
            return Parsed<T>.Fail("request body: is not valid UTF-8");

        JsonDocument document;
        try
        {
            // Duplicate keys are refused: two readers of one body must never see two different webhooks.
            document = JsonDocument.Parse(json, new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false, MaxDepth = 16,
            });
        }
        catch (JsonException)
        {
            return Parsed<T>.Fail("request body: is not valid JSON");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return Parsed<T>.Fail("request body: must be a JSON object");
            try
            {
                return Parsed<T>.Ok(read(document.RootElement, limits));
            }
            catch (FieldException e)
            {
                return Parsed<T>.Fail($"{e.Field}: {e.Problem}");
            }
        }
    }

    private static JsonElement Required(JsonElement parent, string name, string? path = null) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
            ? value
            : throw new FieldException(path ?? name, "is required");

    private static string RequiredString(JsonElement parent, string name) =>
        Required(parent, name) is { ValueKind: JsonValueKind.String } value && value.GetString() is { Length: > 0 } text
            ? text
            : throw new FieldException(name, "must be a non-empty string");

    private static DateTimeOffset Timestamp(JsonElement root) =>
        Required(root, "timestamp") is { ValueKind: JsonValueKind.Number } value
        && value.TryGetInt64(out var milliseconds) && milliseconds is > 0 and <= MaxUnixMilliseconds
            ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
            : throw new FieldException("timestamp", "must be a positive integer (Unix milliseconds)");

    // Ids name streams, queues' messages and log lines: short, and free of control characters.
    private static string Id(JsonElement root, string name, WebhookLimits limits)
    {
        var id = RequiredString(root, name);
        if (id.Length > limits.MaxIdLength)
            throw new FieldException(name, $"must be at most {limits.MaxIdLength} characters");
        if (id.Any(char.IsControl) || id.Any(char.IsSurrogate))
            throw new FieldException(name, "must not contain control characters");
        return id;
    }

    private static string Text(string text, string path, WebhookLimits limits) =>
        text.Length <= limits.MaxTextLength ? text : throw new FieldException(path, $"must be at most {limits.MaxTextLength} characters");

    // Optional metadata of the wrong type or an absurd length counts as absent: a quirk in user details must not cost
    // the user the handoff.
    private static string? OptionalString(JsonElement parent, string name, WebhookLimits limits) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            && value.GetString() is { } text && text.Length <= limits.MaxIdLength * 2
            ? text
            : null;

    private static UserInfo User(JsonElement root, WebhookLimits limits) =>
        root.TryGetProperty("user_info", out var user) && user.ValueKind == JsonValueKind.Object
            ? new UserInfo(
                UserId: OptionalString(user, "user_id", limits),
                AnonymousId: OptionalString(user, "anonymous_id", limits),
                Email: OptionalString(user, "email", limits),
                Phone: OptionalString(user, "phone", limits))
            : new UserInfo(null, null, null, null);

    private static List<BotTurn> History(JsonElement root, WebhookLimits limits)
    {
        var body = Required(root, "body");
        if (body.ValueKind != JsonValueKind.Array)
            throw new FieldException("body", "must be a list of {text, message_type}");
        if (body.GetArrayLength() > limits.MaxHistoryTurns)
            throw new FieldException("body", $"must have at most {limits.MaxHistoryTurns} turns");

        var turns = new List<BotTurn>(body.GetArrayLength());
        var index = 0;
        foreach (var turn in body.EnumerateArray())
        {
            var path = $"body[{index++}]";
            if (turn.ValueKind != JsonValueKind.Object)
                throw new FieldException(path, "must be an object {text, message_type}");

            var kind = Required(turn, "message_type", $"{path}.message_type") switch
            {
                { ValueKind: JsonValueKind.String } k when Is(k, "QUESTION") => BotTurnKind.Question,
                { ValueKind: JsonValueKind.String } k when Is(k, "ANSWER") => BotTurnKind.Answer,
                _ => throw new FieldException($"{path}.message_type", "must be QUESTION or ANSWER"),
            };
            // The platform sends empty (and sometimes no) text for turns where the bot said nothing.
            var text = turn.TryGetProperty("text", out var t) ? t.ValueKind switch
            {
                JsonValueKind.String => t.GetString()!,
                JsonValueKind.Null => "",
                _ => throw new FieldException($"{path}.text", "must be a string"),
            } : "";
            turns.Add(new BotTurn(kind, Text(text, $"{path}.text", limits)));
        }
        return turns;
    }

    private static bool Is(JsonElement value, string expected) =>
        string.Equals(value.GetString(), expected, StringComparison.OrdinalIgnoreCase);

    private sealed class FieldException(string field, string problem) : Exception
    {
        public string Field { get; } = field;
        public string Problem { get; } = problem;
    }
}
