using Handoff.Contracts;
using Handoff.Testing;
using Handoff.Timeouts.IdleTimeouts;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Timeouts.Tests;

public class IdleTimeoutTests(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>, IAsyncLifetime
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(3);
    private TimeoutsHost _host = null!;
    private CommandInbox _inbox = null!;

    public async Task InitializeAsync()
    {
        _inbox = await CommandInbox.OpenAsync(env);
        _host = await TimeoutsHost.StartAsync(env, Idle);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _inbox.DisposeAsync();
    }

    [Fact]
    public async Task Idle_conversation_is_closed_once_after_the_timeout()
    {
        var conversation = NewConversationId();
        var at = Now();

        await _host.Publish(new HandoffRequested(conversation, 1, "bot-1", at));

        var (command, receivedAt) = await _inbox.First(conversation);
        Assert.Equal(new CloseIdleConversationV2(conversation, 1, at + Idle, 0), command);
        Assert.InRange(receivedAt - command.DueAt, TimeSpan.FromMilliseconds(-50), TimeSpan.FromSeconds(2));
        await EverythingDueBeforeNowHasFired();
        Assert.Single(_inbox.For(conversation));
    }

    [Fact]
    public async Task Activity_pushes_the_timeout_back()
    {
        var conversation = NewConversationId();
        var now = Now();

        await _host.Publish(new HandoffRequested(conversation, 1, "bot-1", now.AddSeconds(-1)));
        await _host.Publish(new UserMessageReceived(conversation, 1, 1, "hello", now));
        await _host.Publish(new AgentReplied(conversation, 1, 2, "agent-1", "hi", now.AddMilliseconds(-500)));

        var (command, receivedAt) = await _inbox.First(conversation);
        Assert.Equal(new CloseIdleConversationV2(conversation, 1, now + Idle, 1), command);
        Assert.True(receivedAt >= now + Idle - TimeSpan.FromMilliseconds(50), "closed before the pushed-back deadline");
        await EverythingDueBeforeNowHasFired();
        Assert.Single(_inbox.For(conversation));
    }

    [Fact]
    public async Task A_close_cancels_the_timeout()
    {
        var conversation = NewConversationId();
        var at = Now();

        await _host.Publish(new HandoffRequested(conversation, 1, "bot-1", at));
        await _host.Publish(new ConversationClosed(conversation, 1, CloseReason.Agent, at.AddMilliseconds(100)));

        await EverythingDueBeforeNowHasFired();
        Assert.Empty(_inbox.For(conversation));
    }

    [Fact]
    public async Task A_new_session_after_a_close_is_timed_with_its_own_number()
    {
        var conversation = NewConversationId();
        var at = Now();

        await _host.Publish(new HandoffRequested(conversation, 1, "bot-1", at.AddSeconds(-1)));
        await _host.Publish(new ConversationClosed(conversation, 1, CloseReason.UserClosed, at.AddMilliseconds(-500)));
        await _host.Publish(new HandoffRequested(conversation, 2, "bot-1", at));
        // A redelivered event of the closed session must not arm a timer for it again.
        await _host.Publish(new HandoffRequested(conversation, 1, "bot-1", at.AddSeconds(-1)));

        var (command, _) = await _inbox.First(conversation);
        Assert.Equal(new CloseIdleConversationV2(conversation, 2, at + Idle, 0), command);
        await EverythingDueBeforeNowHasFired();
        Assert.Single(_inbox.For(conversation));
    }

    [Fact]
    public async Task Two_writers_of_one_saga_cannot_both_win()
    {
        var conversation = NewConversationId();
        await _host.Publish(new HandoffRequested(conversation, 1, "bot-1", Now()));
        var store = _host.Services.GetRequiredService<IDocumentStore>();
        var key = ConversationKey.For(conversation);
        await Eventually.True(async () =>
        {
            await using var query = store.QuerySession();
            return await query.LoadAsync<ConversationTimeout>(key) is not null;
        }, because: "the saga is stored");

        await using var first = store.LightweightSession();
        await using var second = store.LightweightSession();
        var mine = (await first.LoadAsync<ConversationTimeout>(key))!;
        var theirs = (await second.LoadAsync<ConversationTimeout>(key))!;
        mine.LastActivityAt = mine.LastActivityAt.AddSeconds(1);
        first.Update(mine);
        await first.SaveChangesAsync();

        theirs.LastActivityAt = theirs.LastActivityAt.AddSeconds(2);
        second.Update(theirs);
        await Assert.ThrowsAsync<JasperFx.ConcurrencyException>(() => second.SaveChangesAsync());
    }

    /// <summary>
    /// Arms a timer later than any armed so far and waits for it: since due timers go out in due order, anything
    /// that was going to fire has fired by then. This is how "nothing more arrives" is checked without sleeping.
    /// </summary>
    private async Task EverythingDueBeforeNowHasFired()
    {
        var marker = NewConversationId();
        await _host.Publish(new HandoffRequested(marker, 1, "bot-1", Now().AddMilliseconds(500)));
        await _inbox.First(marker);
    }

    internal static string NewConversationId() => "c" + Guid.NewGuid().ToString("N")[..20];

    // Milliseconds only, as the platform's timestamps are.
    internal static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
}
