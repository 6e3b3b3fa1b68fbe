using System.Text.Json;
using Xunit;

namespace Handoff.Testing;

/// <summary>The error body of the agent and operator APIs: <c>{"code": a word, "message": text}</c>.</summary>
public static class ApiErrorShape
{
    /// <summary>
    /// Asserts <paramref name="body"/> has the APIs' error shape; with <paramref name="orWebhookStatus"/>, the webhooks'
    /// (<c>{"code": that status, "message": text}</c>) will do too, for a path the server may normalise out of /api.
    /// </summary>
    public static void AssertIn(string body, string because, int? orWebhookStatus = null)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            Assert.Fail($"{because}: the body is not JSON");
            return;
        }
        using (json)
        {
            var root = json.RootElement;
            Assert.True(root.ValueKind == JsonValueKind.Object, because);
            Assert.True(root.TryGetProperty("code", out var code)
                && (code.ValueKind == JsonValueKind.String && code.GetString() is { Length: > 0 }
                    || orWebhookStatus is { } status && code.ValueKind == JsonValueKind.Number && code.GetInt32() == status), because);
            Assert.True(root.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 }, because);
        }
    }
}
