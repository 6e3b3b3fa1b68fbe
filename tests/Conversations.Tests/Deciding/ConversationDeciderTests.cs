using Handoff.Contracts;
using Handoff.Conversations.Conversations;
using static Handoff.Conversations.Tests.Deciding.Scenario;

namespace Handoff.Conversations.Tests.Deciding;

public class EstablishingTests
{
    [Fact]
    public void First_establish_opens_session_one_and_greets_the_user()
    {
        var decision = Decide(Establish(), Conversation.Initial(Id));

        Assert.Null(decision.Rejection);
        var requested = Assert.IsType<HandoffWasRequested>(decision.Events[0]);
        var greeting = Assert.IsType<SystemMessagePosted>(decision.Events[1]);
        Assert.Equal(1, requested.Session);
        Assert.Equal("bot-1", requested.BotId);
        Assert.Equal(1, greeting.Session);
        Assert.Equal(Greeting, greeting.Text);
        Assert.Equal(2, decision.Events.Count);
    }

    [Fact]
    public void Bot_history_keeps_its_order_and_authors()
    {
        var decision = Decide(Establish(0, new BotTurn(BotTurnKind.Question, "human please"), new BotTurn(BotTurnKind.Answer, "")), Conversation.Initial(Id));

        var requested = Assert.IsType<HandoffWasRequested>(decision.Events[0]);
        Assert.Equal([new HistoryTurn(HistoryAuthor.User, "human please"), new HistoryTurn(HistoryAuthor.Bot, "")], requested.History);
    }

    [Fact]
    public void Greeting_comes_after_the_bot_history_in_sequence()
    {
        var decision = Decide(Establish(0, new BotTurn(BotTurnKind.Question, "q"), new BotTurn(BotTurnKind.Answer, "a")), Conversation.Initial(Id));

        Assert.Equal(1, ((HandoffWasRequested)decision.Events[0]).FirstSequence);
        Assert.Equal(3, ((SystemMessagePosted)decision.Events[1]).Sequence);
    }

    [Fact]
    public void User_email_falls_back_to_the_webhook_email()
    {
        var decision = Decide(Establish(), Conversation.Initial(Id));

        Assert.Equal("bob@example.com", ((HandoffWasRequested)decision.Events[0]).User.Email);
    }

    [Fact]
    public void Repeated_establish_decides_nothing()
    {
        var state = After(Establish(0));

        Assert.Empty(Decide(Establish(0), state).Events);
    }

    [Fact]
    public void Repeated_establish_after_close_decides_nothing()
    {
        var state = After(Establish(0), PlatformClose(10));

        Assert.Empty(Decide(Establish(0), state).Events);
    }

    [Fact]
    public void Establish_while_open_decides_nothing()
    {
        var state = After(Establish(0));

        Assert.Empty(Decide(Establish(5), state).Events);
    }

    [Fact]
    public void Establish_after_close_starts_session_two()
    {
        var state = After(Establish(0), PlatformClose(10));

        var decision = Decide(Establish(20), state);

        Assert.Equal(2, Assert.IsType<HandoffWasRequested>(decision.Events[0]).Session);
        Assert.Equal(2, Assert.IsType<SystemMessagePosted>(decision.Events[1]).Session);
    }

    [Fact]
    public void Third_establish_after_two_closes_starts_session_three()
    {
        var state = After(Establish(0), PlatformClose(10), Establish(20), PlatformClose(30));

        Assert.Equal(3, ((HandoffWasRequested)Decide(Establish(40), state).Events[0]).Session);
    }

    [Fact]
    public void Sequences_continue_across_sessions()
    {
        var state = After(Establish(0), Chat(5), PlatformClose(10));

        var decision = Decide(Establish(20), state);

        // Greeting 1, chat 2, then the second greeting.
        Assert.Equal(3, ((SystemMessagePosted)decision.Events[1]).Sequence);
    }

    [Fact]
    public void New_session_forgets_the_previous_agent()
    {
        var state = After(Establish(0), new ReplyAsAgent(Id, "agent-1", "hi"), PlatformClose(10), Establish(20));

        Assert.True(state.IsOpen);
        Assert.Null(state.AssignedAgent);
    }

    [Fact]
    public void Establish_overtaken_by_its_close_opens_and_closes_without_greeting()
    {
        var state = After(PlatformClose(10, PlatformCloseType.Timeout));

        var decision = Decide(Establish(5), state);

        Assert.Collection(decision.Events,
            e => Assert.Equal(1, Assert.IsType<HandoffWasRequested>(e).Session),
            e => Assert.Equal(ClosingReason.PlatformTimeout, Assert.IsType<ConversationWasClosed>(e).Reason));
    }

    [Fact]
    public void Establish_newer_than_a_stale_close_opens_normally()
    {
        var state = After(Establish(0), new CloseByAgent(Id, "agent-1"), PlatformClose(10));

        var decision = Decide(Establish(20), state);

        Assert.IsType<SystemMessagePosted>(decision.Events[1]);
    }
}

public class ChattingTests
{
    [Fact]
    public void User_message_in_an_open_session_is_recorded_with_the_next_sequence()
    {
        var state = After(Establish(0));

        var posted = Assert.IsType<UserMessagePosted>(Assert.Single(Decide(Chat(5, "where is my order"), state).Events));

        Assert.Equal(1, posted.Session);
        Assert.Equal(2, posted.Sequence);
        Assert.Equal("where is my order", posted.Text);
    }

    [Fact]
    public void Repeated_chat_webhook_decides_nothing()
    {
        var state = After(Establish(0), Chat(5, "hi"));

        Assert.Empty(Decide(Chat(5, "hi"), state).Events);
    }

    [Fact]
    public void Repeated_chat_is_recognised_even_after_later_messages()
    {
        var state = After(Establish(0), Chat(5, "hi"), Chat(6, "there"));

        Assert.Empty(Decide(Chat(5, "hi"), state).Events);
    }

    [Fact]
    public void Same_text_at_another_time_is_a_new_message()
    {
        var state = After(Establish(0), Chat(5, "hi"));

        Assert.Single(Decide(Chat(6, "hi"), state).Events);
    }

    [Fact]
    public void Different_text_at_the_same_time_is_a_new_message()
    {
        var state = After(Establish(0), Chat(5, "hi"));

        Assert.Single(Decide(Chat(5, "hello"), state).Events);
    }

    [Fact]
    public void Chat_before_any_establish_is_kept_for_session_one()
    {
        var posted = Assert.IsType<UserMessagePosted>(Assert.Single(Decide(Chat(5), Conversation.Initial(Id)).Events));

        Assert.Equal(1, posted.Session);
        Assert.Equal(1, posted.Sequence);
    }

    [Fact]
    public void Establish_after_an_early_chat_keeps_the_chat_before_the_greeting()
    {
        var state = After(Chat(5, "anyone?"));

        var decision = Decide(Establish(0), state);

        Assert.Equal(1, ((HandoffWasRequested)decision.Events[0]).Session);
        Assert.Equal(2, ((SystemMessagePosted)decision.Events[1]).Sequence);
    }

    [Fact]
    public void Chat_after_close_is_kept_for_the_next_session()
    {
        var state = After(Establish(0), PlatformClose(10));

        Assert.Equal(2, ((UserMessagePosted)Decide(Chat(15), state).Events[0]).Session);
    }
}

public class ClosingTests
{
    [Fact]
    public void Platform_close_of_an_open_session_closes_it_with_the_platform_reason()
    {
        var state = After(Establish(0));

        var closed = Assert.IsType<ConversationWasClosed>(Assert.Single(Decide(PlatformClose(10, PlatformCloseType.Timeout), state).Events));

        Assert.Equal(ClosingReason.PlatformTimeout, closed.Reason);
        Assert.Equal(1, closed.Session);
    }

    [Fact]
    public void User_closed_maps_to_user_closed()
    {
        var closed = (ConversationWasClosed)Decide(PlatformClose(10, PlatformCloseType.UserClosed), After(Establish(0))).Events[0];

        Assert.Equal(ClosingReason.UserClosed, closed.Reason);
    }

    [Fact]
    public void Repeated_platform_close_decides_nothing()
    {
        var state = After(Establish(0), PlatformClose(10));

        Assert.Empty(Decide(PlatformClose(10), state).Events);
    }

    [Fact]
    public void Platform_close_before_any_establish_is_remembered()
    {
        var decision = Decide(PlatformClose(10), Conversation.Initial(Id));

        Assert.IsType<PlatformCloseArrivedEarly>(Assert.Single(decision.Events));
    }

    [Fact]
    public void Idle_timer_of_the_open_session_closes_it_as_idle()
    {
        var state = After(Establish(0));

        var closed = Assert.IsType<ConversationWasClosed>(Assert.Single(Decide(new CloseIdleConversation(Id, 1, At(600)), state).Events));

        Assert.Equal(ClosingReason.Idle, closed.Reason);
        Assert.Equal(Now, closed.At);
    }

    [Fact]
    public void Idle_timer_that_has_seen_the_latest_activity_closes_the_session()
    {
        var state = After(Establish(0), Chat(5), new ReplyAsAgent(Id, "agent-1", "Hi"));

        Assert.Single(Decide(new CloseIdleConversationV2(Id, 1, At(600), state.LastActivitySequence), state).Events);
    }

    [Fact]
    public void Idle_timer_that_fired_before_it_saw_the_latest_user_message_decides_nothing()
    {
        var seen = After(Establish(0), Chat(5));
        var state = After(Establish(0), Chat(5), Chat(598, "still here"));

        Assert.Empty(Decide(new CloseIdleConversationV2(Id, 1, At(600), seen.LastActivitySequence), state).Events);
    }

    [Fact]
    public void Idle_timer_that_fired_before_it_saw_the_first_agent_reply_decides_nothing() =>
        Assert.Empty(Decide(new CloseIdleConversationV2(Id, 1, At(600), 0), After(Establish(0), new ReplyAsAgent(Id, "agent-1", "Hi"))).Events);

    [Fact]
    public void System_messages_are_not_activity_for_the_idle_timer() =>
        Assert.Single(Decide(new CloseIdleConversationV2(Id, 1, At(600), 0), After(Establish(0), Notice(120))).Events);

    [Fact]
    public void A_new_session_counts_activity_afresh()
    {
        var state = After(Establish(0), Chat(5), PlatformClose(10), Establish(20));

        Assert.Equal(0, state.LastActivitySequence);
        Assert.Single(Decide(new CloseIdleConversationV2(Id, 2, At(600), 0), state).Events);
    }

    [Fact]
    public void Idle_timer_of_an_older_build_closes_whatever_activity_it_saw() =>
        Assert.Single(Decide(new CloseIdleConversation(Id, 1, At(600)), After(Establish(0), Chat(598))).Events);

    [Fact]
    public void Idle_timer_of_an_earlier_session_decides_nothing()
    {
        var state = After(Establish(0), PlatformClose(10), Establish(20));

        Assert.Empty(Decide(new CloseIdleConversation(Id, 1, At(600)), state).Events);
    }

    [Fact]
    public void Idle_timer_of_a_closed_session_decides_nothing()
    {
        var state = After(Establish(0), PlatformClose(10));

        Assert.Empty(Decide(new CloseIdleConversation(Id, 1, At(600)), state).Events);
    }

    [Fact]
    public void Idle_timer_for_an_unknown_conversation_decides_nothing()
    {
        Assert.Empty(Decide(new CloseIdleConversation(Id, 1, At(600)), Conversation.Initial(Id)).Events);
    }

    [Fact]
    public void Agent_closes_an_open_conversation()
    {
        var closed = Assert.IsType<ConversationWasClosed>(Assert.Single(Decide(new CloseByAgent(Id, "agent-1"), After(Establish(0))).Events));

        Assert.Equal(ClosingReason.Agent, closed.Reason);
    }

    [Fact]
    public void Agent_close_of_a_closed_conversation_is_rejected_as_closed()
    {
        var state = After(Establish(0), PlatformClose(10));

        Assert.Equal(Rejection.Closed, Decide(new CloseByAgent(Id, "agent-1"), state).Rejection);
    }

    [Fact]
    public void Agent_close_of_an_unknown_conversation_is_not_found()
    {
        Assert.Equal(Rejection.NotFound, Decide(new CloseByAgent(Id, "agent-1"), Conversation.Initial(Id)).Rejection);
    }
}

public class AgentTests
{
    [Fact]
    public void First_reply_assigns_the_agent_then_replies()
    {
        var decision = Decide(new ReplyAsAgent(Id, "agent-1", "How can I help?"), After(Establish(0)));

        Assert.Collection(decision.Events,
            e => Assert.Equal("agent-1", Assert.IsType<AgentWasAssigned>(e).AgentId),
            e =>
            {
                var reply = Assert.IsType<AgentReplyPosted>(e);
                Assert.Equal("How can I help?", reply.Text);
                Assert.Equal(2, reply.Sequence);
            });
    }

    [Fact]
    public void Later_replies_do_not_assign_again()
    {
        var state = After(Establish(0), new ReplyAsAgent(Id, "agent-1", "hi"));

        Assert.IsType<AgentReplyPosted>(Assert.Single(Decide(new ReplyAsAgent(Id, "agent-1", "more"), state).Events));
    }

    [Fact]
    public void Reply_sequence_follows_user_messages()
    {
        var state = After(Establish(0), Chat(1), Chat(2));

        var reply = Decide(new ReplyAsAgent(Id, "agent-1", "hi"), state).Events.OfType<AgentReplyPosted>().Single();

        Assert.Equal(4, reply.Sequence);
    }

    [Fact]
    public void Reply_to_a_closed_conversation_is_rejected()
    {
        var decision = Decide(new ReplyAsAgent(Id, "agent-1", "hi"), After(Establish(0), PlatformClose(10)));

        Assert.Equal(Rejection.Closed, decision.Rejection);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Reply_to_an_unknown_conversation_is_not_found()
    {
        Assert.Equal(Rejection.NotFound, Decide(new ReplyAsAgent(Id, "agent-1", "hi"), Conversation.Initial(Id)).Rejection);
    }

    [Fact]
    public void Reply_before_the_handoff_is_established_is_rejected_as_not_open()
    {
        Assert.Equal(Rejection.NotOpen, Decide(new ReplyAsAgent(Id, "agent-1", "hi"), After(Chat(1))).Rejection);
    }

    [Fact]
    public void Empty_reply_is_rejected()
    {
        Assert.Equal(Rejection.EmptyText, Decide(new ReplyAsAgent(Id, "agent-1", "  "), After(Establish(0))).Rejection);
    }

    [Fact]
    public void Assign_sets_the_agent()
    {
        var assigned = Assert.IsType<AgentWasAssigned>(Assert.Single(Decide(new AssignAgent(Id, "agent-2"), After(Establish(0))).Events));

        Assert.Equal("agent-2", assigned.AgentId);
    }

    [Fact]
    public void Assigning_the_same_agent_again_decides_nothing()
    {
        var state = After(Establish(0), new AssignAgent(Id, "agent-2"));

        var decision = Decide(new AssignAgent(Id, "agent-2"), state);

        Assert.Null(decision.Rejection);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Assign_to_a_closed_conversation_is_rejected()
    {
        Assert.Equal(Rejection.Closed, Decide(new AssignAgent(Id, "agent-2"), After(Establish(0), PlatformClose(10))).Rejection);
    }

    [Fact]
    public void Reply_after_an_explicit_assignment_does_not_reassign()
    {
        var state = After(Establish(0), new AssignAgent(Id, "agent-2"));

        Assert.IsType<AgentReplyPosted>(Assert.Single(Decide(new ReplyAsAgent(Id, "agent-3", "hi"), state).Events));
    }
}
