using Handoff.Contracts;
using Handoff.Testing;
using Handoff.Timeouts.IdleTimeouts;

namespace Handoff.Timeouts.Tests;

public class RestartTests(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_timer_armed_before_a_restart_fires_after_it()
    {
        await using var inbox = await CommandInbox.OpenAsync(env);
        var conversation = IdleTimeoutTests.NewConversationId();
        var at = IdleTimeoutTests.Now();

        await using (var before = await TimeoutsHost.StartAsync(env, Idle))
        {
            await before.Publish(new HandoffRequested(conversation, 1, "bot-1", at));
            // Armed means the saga's handling of the event is complete (a stop in the middle of it: the next test).
            await Eventually.True(async () => await env.ScheduledMessages() > 0 && await env.Scalar("select count(*) from {schema}.mt_doc_conversationtimeout") > 0,
                because: "the timer and its saga are stored");
        }
        Assert.Empty(inbox.For(conversation));

        await using var after = await TimeoutsHost.StartAsync(env, Idle);

        var (command, _) = await inbox.First(conversation);
        Assert.Equal(new CloseIdleConversationV2(conversation, 1, at + Idle, 0), command);
        await Eventually.True(async () => await env.ScheduledMessages() == 0, because: "the fired timer is removed");
        Assert.Single(inbox.For(conversation));
    }

    // The host stops while the first events are being handled and the rest wait in the queue. Before the timers were
    // written in the saga's own transaction, a stop right then lost the timers of a conversation whose saga was saved.
    [Fact]
    public async Task A_stop_in_the_middle_of_handling_loses_no_timer_and_doubles_no_close()
    {
        await using var inbox = await CommandInbox.OpenAsync(env);
        var conversations = Enumerable.Range(0, 60).Select(_ => IdleTimeoutTests.NewConversationId()).ToArray();
        var keys = conversations.Select(ConversationKey.For).ToArray();
        var at = IdleTimeoutTests.Now();

        await using (var before = await TimeoutsHost.StartAsync(env, Idle))
        {
            await Task.WhenAll(conversations.Select(id => before.Publish(new HandoffRequested(id, 1, "bot-1", at))));
            await Eventually.True(async () => await env.Scalar("select count(*) from {schema}.mt_doc_conversationtimeout where id = any($1)", keys) > 0,
                because: "the first sagas are stored");
        }

        await using var after = await TimeoutsHost.StartAsync(env, Idle);
        foreach (var id in conversations)
            Assert.Equal(new CloseIdleConversationV2(id, 1, at + Idle, 0), (await inbox.First(id, TimeSpan.FromSeconds(30))).Command);
        await Eventually.True(async () => await env.ScheduledMessages() == 0, because: "every timer fired and was removed");
        Assert.All(conversations, id => Assert.Single(inbox.For(id)));
    }
}
