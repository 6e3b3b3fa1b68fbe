using Handoff.Contracts;
using Handoff.Testing;
using static Handoff.Timeouts.Tests.IdleTimeoutTests;

namespace Handoff.Timeouts.Tests;

public class ScaleOutTests(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task Two_instances_side_by_side_close_each_of_200_conversations_exactly_once_and_on_time()
    {
        await using var inbox = await CommandInbox.OpenAsync(env);
        await using var first = await TimeoutsHost.StartAsync(env, Idle);
        await using var second = await TimeoutsHost.StartAsync(env, Idle);
        var conversations = Enumerable.Range(0, 200).Select(_ => NewConversationId()).ToList();
        var at = Now();

        // Events reach both instances' consumers of the one saga queue; both pollers share the one timer table.
        await Task.WhenAll(conversations.Select((c, i) => (i % 2 == 0 ? first : second).Publish(new HandoffRequested(c, 1, "bot-1", at))));
        // A user message for every other conversation, so two writers of one saga meet as well.
        await Task.WhenAll(conversations.Where((_, i) => i % 2 == 0)
            .Select((c, i) => (i % 2 == 0 ? second : first).Publish(new UserMessageReceived(c, 1, 2, "hi", at.AddMilliseconds(500)))));
        // Conversations would have recorded those messages; a close that has not seen one is refused there.

        await Eventually.True(() => conversations.All(c => inbox.For(c).Count > 0), TimeSpan.FromSeconds(30), "every conversation is closed");
        var marker = NewConversationId();
        await first.Publish(new HandoffRequested(marker, 1, "bot-1", Now().AddMilliseconds(500)));
        await inbox.First(marker);

        // A timer fires once. When an event reaches a saga only after its timer fired (two instances racing to create
        // one saga, on a loaded machine) the saga re-arms and a second close goes out naming the later activity; the
        // first names activity Conversations has already recorded past, so it decides nothing. Exactly one close per
        // conversation is one Conversations acts on: the one that has seen the conversation's latest activity.
        var latestActivity = conversations.Select((c, i) => (c, Sequence: i % 2 == 0 ? 2L : 0L)).ToDictionary(x => x.c, x => x.Sequence);
        Assert.All(conversations, c => Assert.Single(inbox.For(c), close => close.Command.LastActivitySequence >= latestActivity[c]));
        Assert.All(conversations, c => Assert.Equal(inbox.For(c).Count, inbox.For(c).Select(close => close.Command).Distinct().Count()));
        var closes = conversations.Select(c => inbox.For(c).Single(close => close.Command.LastActivitySequence >= latestActivity[c])).ToList();
        Assert.All(closes.Where((_, i) => i % 2 == 0), c => Assert.Equal(at.AddMilliseconds(500) + Idle, c.Command.DueAt));
        Assert.All(closes.Where((_, i) => i % 2 == 1), c => Assert.Equal(at + Idle, c.Command.DueAt));
        var lateness = closes.Select(c => c.ReceivedAt - c.Command.DueAt).Order().ToList();
        Assert.True(lateness[0] >= TimeSpan.FromMilliseconds(-50), $"a close came {-lateness[0]} early");
        // On time, not fast: how late is measured in bench/Timeouts (p50 about 0.3 s). This machine's 2 cores are shared,
        // and under other load the median here was seen at 2.7 s, so the bound only catches a timer that waits a poll
        // cycle too many or fires from the wrong clock.
        Assert.True(lateness[lateness.Count / 2] <= TimeSpan.FromSeconds(5), $"the median close came {lateness[lateness.Count / 2]} late");
        Assert.True(lateness[^1] <= TimeSpan.FromSeconds(10), $"a close came {lateness[^1]} late");
    }
}
