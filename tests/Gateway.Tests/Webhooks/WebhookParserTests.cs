using System.Text;
using Handoff.Contracts;
using Handoff.Gateway.Webhooks;

namespace Handoff.Gateway.Tests.Webhooks;

public sealed class WebhookParserTests
{
    private const string ValidEstablish = """
        {
          "body": [ { "text": "human service", "message_type": "QUESTION" }, { "text": "", "message_type": "ANSWER" } ],
          "timestamp": 1742265090895,
          "email": "bob@gmail.com",
          "conversation_id": "67d8db020fa31d1ef64f53dg",
          "bot_id": "665d88b03ce2b13cf2d573454",
          "user_info": { "phone": null, "email": "bob@gmail.com", "user_id": "KDslas", "anonymous_id": "652face5184b30540a6ea7fe" }
        }
        """;

    private static Parsed<EstablishConversation> Establish(string json) => WebhookParser.Establish(Encoding.UTF8.GetBytes(json));
    private static Parsed<PostUserMessage> Chat(string json) => WebhookParser.Chat(Encoding.UTF8.GetBytes(json));
    private static Parsed<RecordPlatformClose> Close(string json) => WebhookParser.Close(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void The_reference_establish_example_maps_to_an_EstablishConversation()
    {
        var parsed = Establish(ValidEstablish);

        Assert.Null(parsed.Error);
        var command = parsed.Command!;
        Assert.Equal("67d8db020fa31d1ef64f53dg", command.ConversationId);
        Assert.Equal("665d88b03ce2b13cf2d573454", command.BotId);
        Assert.Equal(new DateTimeOffset(2025, 3, 18, 2, 31, 30, 895, TimeSpan.Zero), command.Timestamp);
        Assert.Equal("bob@gmail.com", command.Email);
        Assert.Equal(new UserInfo("KDslas", "652face5184b30540a6ea7fe", "bob@gmail.com", null), command.User);
        Assert.Equal([new BotTurn(BotTurnKind.Question, "human service"), new BotTurn(BotTurnKind.Answer, "")], command.History);
    }

    [Fact]
    public void Establish_without_email_or_user_info_has_empty_user_details()
    {
        var parsed = Establish("""{"conversation_id":"c","timestamp":1,"bot_id":"b","body":[]}""");

        Assert.Null(parsed.Command!.Email);
        Assert.Equal(new UserInfo(null, null, null, null), parsed.Command.User);
        Assert.Empty(parsed.Command.History);
    }

    [Fact]
    public void Unknown_fields_are_ignored()
    {
        var parsed = Chat("""{"conversation_id":"c","timestamp":5,"body":"hi","channel":"whatsapp","extra":{"a":[1,2]}}""");

        Assert.Equal(new PostUserMessage("c", DateTimeOffset.FromUnixTimeMilliseconds(5), "hi"), parsed.Command);
    }

    [Fact]
    public void A_WhatsApp_user_keeps_the_phone_number()
    {
        var parsed = Establish("""{"conversation_id":"c","timestamp":1,"bot_id":"b","body":[],"user_info":{"phone":"+15550100"}}""");

        Assert.Equal(new UserInfo(null, null, null, "+15550100"), parsed.Command!.User);
    }

    [Fact]
    public void Optional_user_details_of_the_wrong_type_count_as_absent()
    {
        var parsed = Establish("""{"conversation_id":"c","timestamp":1,"bot_id":"b","body":[],"email":42,"user_info":{"user_id":7,"email":"e@x.io"}}""");

        Assert.Null(parsed.Command!.Email);
        Assert.Equal(new UserInfo(null, null, "e@x.io", null), parsed.Command.User);
    }

    [Fact]
    public void User_info_that_is_not_an_object_counts_as_absent()
    {
        var parsed = Establish("""{"conversation_id":"c","timestamp":1,"bot_id":"b","body":[],"user_info":"bob"}""");

        Assert.Equal(new UserInfo(null, null, null, null), parsed.Command!.User);
    }

    [Theory]
    [InlineData("""{"text":null,"message_type":"ANSWER"}""")]
    [InlineData("""{"message_type":"ANSWER"}""")]
    public void A_bot_turn_without_text_has_empty_text(string turn)
    {
        var parsed = Establish($$"""{"conversation_id":"c","timestamp":1,"bot_id":"b","body":[{{turn}}]}""");

        Assert.Equal([new BotTurn(BotTurnKind.Answer, "")], parsed.Command!.History);
    }

    [Fact]
    public void Message_types_are_read_regardless_of_case()
    {
        var parsed = Establish("""{"conversation_id":"c","timestamp":1,"bot_id":"b","body":[{"text":"a","message_type":"question"},{"text":"b","message_type":"Answer"}]}""");

        Assert.Equal([BotTurnKind.Question, BotTurnKind.Answer], parsed.Command!.History.Select(t => t.Kind));
    }

    [Theory]
    [InlineData("""{"timestamp":1,"bot_id":"b","body":[]}""", "conversation_id: is required")]
    [InlineData("""{"conversation_id":null,"timestamp":1,"bot_id":"b","body":[]}""", "conversation_id: is required")]
    [InlineData("""{"conversation_id":"","timestamp":1,"bot_id":"b","body":[]}""", "conversation_id: must be a non-empty string")]
    [InlineData("""{"conversation_id":12345,"timestamp":1,"bot_id":"b","body":[]}""", "conversation_id: must be a non-empty string")]
    [InlineData("""{"conversation_id":"c","bot_id":"b","body":[]}""", "timestamp: is required")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"body":[]}""", "bot_id: is required")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"bot_id":["b"],"body":[]}""", "bot_id: must be a non-empty string")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"bot_id":"b"}""", "body: is required")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"bot_id":"b","body":"hello"}""", "body: must be a list of {text, message_type}")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"bot_id":"b","body":["hello"]}""", "body[0]: must be an object {text, message_type}")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"bot_id":"b","body":[{"text":"a","message_type":"QUESTION"},{"text":"b"}]}""", "body[1].message_type: is required")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"bot_id":"b","body":[{"text":"a","message_type":"SYSTEM"}]}""", "body[0].message_type: must be QUESTION or ANSWER")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"bot_id":"b","body":[{"text":3,"message_type":"QUESTION"}]}""", "body[0].text: must be a string")]
    public void A_bad_establish_is_rejected_naming_the_field(string json, string error)
    {
        var parsed = Establish(json);

        Assert.Null(parsed.Command);
        Assert.Equal(error, parsed.Error);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1742265090895")]
    [InlineData("1742265090895.5")]
    [InlineData("1.7e12")]
    [InlineData("\"1742265090895\"")]
    [InlineData("true")]
    [InlineData("{}")]
    [InlineData("99999999999999999999")]
    [InlineData("253402300800000")]
    public void A_timestamp_that_is_not_positive_Unix_milliseconds_is_rejected(string timestamp)
    {
        var parsed = Chat($$"""{"conversation_id":"c","timestamp":{{timestamp}},"body":"hi"}""");

        Assert.Equal("timestamp: must be a positive integer (Unix milliseconds)", parsed.Error);
    }

    [Fact]
    public void The_latest_representable_timestamp_is_accepted()
    {
        var parsed = Chat("""{"conversation_id":"c","timestamp":253402300799999,"body":"hi"}""");

        Assert.Equal(DateTimeOffset.MaxValue.UtcDateTime.Year, parsed.Command!.Timestamp.Year);
    }

    [Theory]
    [InlineData("""{"conversation_id":"c","timestamp":1}""", "body: is required")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"body":null}""", "body: is required")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"body":""}""", "body: must be a non-empty string")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"body":["hi"]}""", "body: must be a non-empty string")]
    [InlineData("""{"timestamp":1,"body":"hi"}""", "conversation_id: is required")]
    public void A_bad_chat_is_rejected_naming_the_field(string json, string error)
    {
        Assert.Equal(error, Chat(json).Error);
    }

    [Fact]
    public void Chat_text_is_passed_through_unchanged()
    {
        var parsed = Chat("""{"conversation_id":"c","timestamp":1,"body":"  Ünïcødé 👋\nline two  "}""");

        Assert.Equal("  Ünïcødé 👋\nline two  ", parsed.Command!.Text);
    }

    [Theory]
    [InlineData("TIMEOUT", PlatformCloseType.Timeout)]
    [InlineData("USER_CLOSED", PlatformCloseType.UserClosed)]
    [InlineData("user_closed", PlatformCloseType.UserClosed)]
    public void Close_types_map_to_the_contract(string type, PlatformCloseType expected)
    {
        var parsed = Close($$"""{"conversation_id":"c","timestamp":1,"type":"{{type}}"}""");

        Assert.Equal(new RecordPlatformClose("c", DateTimeOffset.FromUnixTimeMilliseconds(1), expected), parsed.Command);
    }

    [Theory]
    [InlineData("""{"conversation_id":"c","timestamp":1}""", "type: is required")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"type":"AGENT"}""", "type: must be TIMEOUT or USER_CLOSED")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"type":1}""", "type: must be TIMEOUT or USER_CLOSED")]
    [InlineData("""{"conversation_id":"c","type":"TIMEOUT"}""", "timestamp: is required")]
    public void A_bad_close_is_rejected_naming_the_field(string json, string error)
    {
        Assert.Equal(error, Close(json).Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("conversation_id=c&timestamp=1")]
    [InlineData("{\"conversation_id\":\"c\",\"timestamp\":1,\"body\":\"hi\"")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"body":"hi"} trailing""")]
    [InlineData("""{"conversation_id":"c","timestamp":1,"body":"hi"}{}""")]
    public void A_body_that_is_not_JSON_is_rejected(string json)
    {
        Assert.Equal("request body: is not valid JSON", Chat(json).Error);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"chat\"")]
    [InlineData("null")]
    [InlineData("42")]
    public void A_body_that_is_not_a_JSON_object_is_rejected(string json)
    {
        Assert.Equal("request body: must be a JSON object", Chat(json).Error);
    }

    [Fact]
    public void Deeply_nested_JSON_is_rejected_not_thrown()
    {
        var deep = """{"conversation_id":"c","timestamp":1,"body":"hi","x":""" + new string('[', 100) + new string(']', 100) + "}";

        Assert.Equal("request body: is not valid JSON", Chat(deep).Error);
    }

    [Fact]
    public void The_first_problem_is_reported_in_field_order_of_the_contract()
    {
        var parsed = Establish("""{}""");

        Assert.Equal("conversation_id: is required", parsed.Error);
    }
}
