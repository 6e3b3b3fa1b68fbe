using Handoff.Contracts;
using Handoff.Testing;
using static Handoff.Timeouts.Tests.IdleTimeoutTests;

namespace Handoff.Timeouts.Tests;

/// <summary>The agent-wait notices and the idle warning, as commands to Conversations.</summary>
public class NoticeTests(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>, IAsyncLifetime
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan AgentWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WarningBefore = TimeSpan.FromSeconds(1);
    private TimeoutsHost _host = null!;
    private CommandInbox _inbox = null!;

    public async Task InitializeAsync()
    {
        _inbox = await CommandInbox.OpenAsync(env);
        _host = await TimeoutsHost.StartAsync(env, Idle, new Dictionary<string, string>
        {
            ["Handoff:Timeouts:AgentWait"] = AgentWait.ToString(),
            ["Handoff:Timeouts:AgentWaitRepeats"] = "2",
            ["Handoff:Timeouts:AgentWaitMessage"] = "Still looking",
            ["Handoff:Timeouts:IdleWarningBefore"] = WarningBefore.ToString(),
            ["Handoff:Timeouts:IdleWarningMessage"] = "Closing in {seconds} s",
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _inbox.DisposeAsync();
    }

    [Fact]
    public async Task Agent_wait_notices_come_at_the_interval_up_to_the_count()
    {
        var conversation = NewConversationId();
        var at = Now();

        await _host.Publish(new HandoffRequested(conversation, 1, "bot-1", at));

        await Eventually.True(() => Notices(conversation, SystemMessageKind.AgentWait).Count == 2, TimeSpan.FromSeconds(15), "two agent-wait notices");
        await EverythingDueBeforeHasFired(at + 3 * AgentWait);
        var notices = Notices(conversation, SystemMessageKind.AgentWait);
        Assert.Equal([at + AgentWait, at + 2 * AgentWait], notices.Select(n => n.Command.DueAt));
        Assert.All(notices, n => Assert.Equal(new PostSystemMessage(conversation, 1, SystemMessageKind.AgentWait, "Still looking", n.Command.DueAt), n.Command));
        Assert.All(notices, n => Assert.InRange(n.ReceivedAt - n.Command.DueAt, TimeSpan.FromMilliseconds(-50), TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task The_first_agent_reply_stops_the_agent_wait_notices()
    {
        var conversation = NewConversationId();
        var at = Now();

        await _host.Publish(new HandoffRequested(conversation, 1, "bot-1", at));
        await Eventually.True(() => Notices(conversation, SystemMessageKind.AgentWait).Count == 1, TimeSpan.FromSeconds(15), "the first notice");
        await _host.Publish(new AgentReplied(conversation, 1, 3, "agent-1", "Hi", Now()));

        await EverythingDueBeforeHasFired(at + 3 * AgentWait);
        Assert.Single(Notices(conversation, SystemMessageKind.AgentWait));
    }

    [Fact]
    public async Task An_agent_who_answers_at_once_means_no_agent_wait_notice()
    {
        var conversation = NewConversationId();
        var at = Now();

        await _host.Publish(new HandoffRequested(conversation, 1, "bot-1", at));
        await _host.Publish(new AgentReplied(conversation, 1, 3, "agent-1", "Hi", at.AddMilliseconds(100)));

        await EverythingDueBeforeHasFired(at + 3 * AgentWait);
        Assert.Empty(Notices(conversation, SystemMessageKind.AgentWait));
    }

    [Fact]
    public async Task An_idle_conversation_is_warned_once_then_closed_once()
    {
        var conversation = NewConversationId();
        var at = Now();

        await _host.Publish(new HandoffRequested(conversation, 1, "bot-1", at));

        var (close, closedAt) = await _inbox.First(conversation);
        await EverythingDueBeforeHasFired(at + Idle);
        var (warning, warnedAt) = Assert.Single(Notices(conversation, SystemMessageKind.IdleWarning));
        Assert.Equal(new PostSystemMessage(conversation, 1, SystemMessageKind.IdleWarning, "Closing in 1 s", at + Idle - WarningBefore), warning);
        Assert.Equal(new CloseIdleConversationV2(conversation, 1, at + Idle, 0), close);
        Assert.True(warnedAt < closedAt, "the warning comes before the close");
        Assert.InRange(warnedAt - warning.DueAt, TimeSpan.FromMilliseconds(-50), TimeSpan.FromSeconds(2));
        Assert.Single(_inbox.For(conversation));
    }

    [Fact]
    public async Task Activity_just_before_the_warning_pushes_back_the_warning_and_the_close()
    {
        var conversation = NewConversationId();
        var at = Now();
        var activity = at + Idle - WarningBefore - TimeSpan.FromMilliseconds(300);

        await _host.Publish(new HandoffRequested(conversation, 1, "bot-1", at));
        await _host.Publish(new UserMessageReceived(conversation, 1, 2, "still here", activity));

        var (close, closedAt) = await _inbox.First(conversation, TimeSpan.FromSeconds(20));
        await EverythingDueBeforeHasFired(activity + Idle);
        var (warning, warnedAt) = Assert.Single(Notices(conversation, SystemMessageKind.IdleWarning));
        Assert.Equal(activity + Idle - WarningBefore, warning.DueAt);
        Assert.True(warnedAt >= at + Idle - WarningBefore + TimeSpan.FromMilliseconds(200), "warned at the first deadline");
        Assert.Equal(activity + Idle, close.DueAt);
        Assert.True(closedAt >= at + Idle, "closed at the first deadline");
        Assert.Single(_inbox.For(conversation));
    }

    [Fact]
    public async Task A_close_cancels_every_timer()
    {
        var conversation = NewConversationId();
        var at = Now();

        await _host.Publish(new HandoffRequested(conversation, 1, "bot-1", at));
        await _host.Publish(new ConversationClosed(conversation, 1, CloseReason.UserClosed, at.AddMilliseconds(200)));

        await EverythingDueBeforeHasFired(at + Idle);
        Assert.Empty(_inbox.NoticesFor(conversation));
        Assert.Empty(_inbox.For(conversation));
    }

    private IReadOnlyList<(PostSystemMessage Command, DateTimeOffset ReceivedAt)> Notices(string conversation, SystemMessageKind kind) =>
        _inbox.NoticesFor(conversation).Where(n => n.Command.Kind == kind).ToList();

    /// <summary>
    /// Arms a timer due after <paramref name="instant"/> and waits for it: due timers go out in due order, so anything
    /// due before it has fired by then. This is how "nothing more arrives" is checked without sleeping.
    /// </summary>
    private async Task EverythingDueBeforeHasFired(DateTimeOffset instant)
    {
        var marker = NewConversationId();
        var opened = instant - AgentWait + TimeSpan.FromMilliseconds(300);
        await _host.Publish(new HandoffRequested(marker, 1, "bot-1", opened));
        await Eventually.True(() => _inbox.NoticesFor(marker).Count > 0, TimeSpan.FromSeconds(20), "the marker's notice");
    }
}
