using Handoff.Contracts;
using Handoff.Testing;
using Handoff.Timeouts.IdleTimeouts;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Timeouts.Tests;

public class ClosedSagaRetentionTests(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    [Fact]
    public async Task A_closed_conversations_saga_is_deleted_after_its_retention_and_an_open_one_is_kept()
    {
        await using var host = await TimeoutsHost.StartAsync(env, TimeSpan.FromMinutes(10), new Dictionary<string, string>
        {
            ["Handoff:Timeouts:ClosedRetention"] = "00:00:01",
            ["Handoff:Timeouts:HousekeepingInterval"] = "00:00:00.200",
        });
        var (closed, open) = (IdleTimeoutTests.NewConversationId(), IdleTimeoutTests.NewConversationId());
        var at = IdleTimeoutTests.Now();

        await host.Publish(new HandoffRequested(closed, 1, "bot-1", at));
        await host.Publish(new HandoffRequested(open, 1, "bot-1", at));
        await host.Publish(new ConversationClosed(closed, 1, CloseReason.UserClosed, at.AddMilliseconds(100)));

        await Eventually.True(async () => (await Saga(host, closed))?.CurrentState == "Closed", because: "the closed conversation's saga is Closed");
        await Eventually.True(async () => await Saga(host, closed) is null, TimeSpan.FromSeconds(10), "the closed saga is deleted after a second");
        Assert.Equal("Open", (await Saga(host, open))?.CurrentState);
    }

    private static async Task<ConversationTimeout?> Saga(TimeoutsHost host, string conversation)
    {
        await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.LoadAsync<ConversationTimeout>(ConversationKey.For(conversation));
    }
}
