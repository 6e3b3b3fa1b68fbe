namespace Handoff.Testing;

/// <summary>The examples of AltaBots' own webhook page (../shared/reference), byte for byte.</summary>
public static class ReferenceExample
{
    public const string ConversationId = "67d8db020fa31d1ef64f53dg";
    public const long Timestamp = 1742265090895;
    public const string BotId = "665d88b03ce2b13cf2d573454";

    /// <summary>The --data of the page's curl example for conversation/establish.</summary>
    public const string Establish = """
        {
          "body": [
            {
              "text": "human service",
              "message_type": "QUESTION"
            },
            {
              "text": "",
              "message_type": "ANSWER"
            }
          ],
          "timestamp": 1742265090895,
          "email": "bob@gmail.com",
          "conversation_id": "67d8db020fa31d1ef64f53dg",
          "bot_id": "665d88b03ce2b13cf2d573454",
          "user_info": {
            "phone": null,
            "email": "bob@gmail.com",
            "user_id": "KDslas",
            "anonymous_id": "652face5184b30540a6ea7fe"
          }
        }
        """;
}
