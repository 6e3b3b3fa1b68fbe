using Handoff.Contracts;
using Handoff.Conversations.Conversations;

namespace Handoff.Conversations.Tests.Deciding;

/// <summary>Builds conversation states and commands for the pure decider tests.</summary>
public static class Scenario
{
    public const string Id = "67d8db020fa31d1ef64f53dg";
    public const string Greeting = "Hello from the team";
    public static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1742265090895);
    public static readonly DateTimeOffset Now = T0.AddMinutes(1);

    public static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    public static EstablishConversation Establish(int atSeconds = 0, params BotTurn[] history) =>
        new(Id, "bot-1", At(atSeconds), "bob@example.com", new UserInfo("u-1", "anon-1", null, null), history);

    public static PostUserMessage Chat(int atSeconds, string text = "hello?") => new(Id, At(atSeconds), text);

    public static RecordPlatformClose PlatformClose(int atSeconds, PlatformCloseType type = PlatformCloseType.UserClosed) => new(Id, At(atSeconds), type);

    public static PostSystemMessage Notice(int dueAtSeconds, SystemMessageKind kind = SystemMessageKind.AgentWait, int session = 1,
        string text = "Still looking for someone") => new(Id, session, kind, text, At(dueAtSeconds));

    /// <summary>Outbound's report on the delivery <paramref name="deliveryId"/> of the message at <paramref name="sequence"/> (null: the close).</summary>
    public static DeliveryStatusChanged Report(Guid deliveryId, int revision, DeliveryState state, long? sequence = 1, int session = 1,
        int attempts = 1, int atSeconds = 30, DateTimeOffset? nextAttemptAt = null, int? statusCode = null, string? failure = null) =>
        new(deliveryId, Id, session, sequence, revision, state, attempts, At(atSeconds), nextAttemptAt, statusCode, failure);

    public static Conversation Given(params object[] events) =>
        events.Aggregate(Conversation.Initial(Id), (state, e) => state.Evolve(e));

    /// <summary>Runs commands through the decider one after another, as the consumer would.</summary>
    public static Conversation After(params object[] commands) =>
        commands.Aggregate(Conversation.Initial(Id), (state, command) => Decide(command, state).Events.Aggregate(state, (s, e) => s.Evolve(e)));

    public static Decision Decide(object command, Conversation state) => command switch
    {
        EstablishConversation c => ConversationDecider.Decide(c, state, Now, Greeting),
        PostUserMessage c => ConversationDecider.Decide(c, state),
        RecordPlatformClose c => ConversationDecider.Decide(c, state),
        CloseIdleConversation c => ConversationDecider.Decide(c, state, Now),
        CloseIdleConversationV2 c => ConversationDecider.Decide(c, state, Now),
        PostSystemMessage c => ConversationDecider.Decide(c, state, Now),
        ReplyAsAgent c => ConversationDecider.Decide(c, state, Now),
        AssignAgent c => ConversationDecider.Decide(c, state, Now),
        CloseByAgent c => ConversationDecider.Decide(c, state, Now),
        DeliveryStatusChanged c => ConversationDecider.Decide(c, state),
        _ => throw new ArgumentException($"Unknown command {command.GetType().Name}"),
    };
}
