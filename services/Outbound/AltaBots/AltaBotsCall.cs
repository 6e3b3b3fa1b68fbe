using System.Text.Json.Serialization;
using Handoff.Contracts;

namespace Handoff.Outbound.AltaBots;

/// <summary>One request to AltaBots: the path under the base URL and the exact JSON body it expects.</summary>
public sealed record AltaBotsCall(string Path, string ConversationId, object Body)
{
    public static AltaBotsCall Message(string conversationId, DateTimeOffset at, string text) =>
        new("v1/human/message/receive", conversationId, new MessageBody(conversationId, at.ToUnixTimeMilliseconds(), text));

    /// <summary>Only closes decided on our side are told to AltaBots; echoing its own close back would be noise at best.</summary>
    public static AltaBotsCall? Close(ConversationClosed closed) => closed.Reason switch
    {
        CloseReason.Agent or CloseReason.Idle =>
            new("v1/human/close", closed.ConversationId, new CloseBody(closed.ConversationId, closed.At.ToUnixTimeMilliseconds())),
        _ => null,
    };

    public sealed record MessageBody(
        [property: JsonPropertyName("conversation_id")] string ConversationId,
        [property: JsonPropertyName("timestamp")] long Timestamp,
        [property: JsonPropertyName("body")] string Body);

    public sealed record CloseBody(
        [property: JsonPropertyName("conversation_id")] string ConversationId,
        [property: JsonPropertyName("timestamp")] long Timestamp);
}
