using System.Net.Http.Headers;
using System.Text;

namespace Handoff.Gateway.Tests.Webhooks;

/// <summary>Webhook bodies as AltaBots sends them.</summary>
public static class Requests
{
    public static string NewConversationId() => "conv-" + Guid.NewGuid().ToString("N")[..16];

    public static string Establish(string conversationId) => $$"""
        {
          "body": [
            { "text": "human service", "message_type": "QUESTION" },
            { "text": "", "message_type": "ANSWER" }
          ],
          "timestamp": 1742265090895,
          "email": "bob@gmail.com",
          "conversation_id": "{{conversationId}}",
          "bot_id": "665d88b03ce2b13cf2d573454",
          "user_info": { "phone": null, "email": "bob@gmail.com", "user_id": "KDslas", "anonymous_id": "652face5184b30540a6ea7fe" }
        }
        """;

    public static string Chat(string conversationId, string text = "Where is my order?") =>
        $$"""{ "conversation_id": "{{conversationId}}", "timestamp": 1742265091000, "body": "{{text}}" }""";

    public static string Close(string conversationId, string type = "USER_CLOSED") =>
        $$"""{ "conversation_id": "{{conversationId}}", "timestamp": 1742265092000, "type": "{{type}}" }""";

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string body) =>
        client.PostAsync(path, Json(body));

    public static HttpContent Chunked(string body, string contentType = "application/json")
    {
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        content.Headers.ContentLength = null;
        return content;
    }
}
