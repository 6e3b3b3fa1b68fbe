using Handoff.Contracts;
using Handoff.Testing;
using Handoff.Timeouts.IdleTimeouts;
using Marten;
using Npgsql;

namespace Handoff.Timeouts.Tests;

/// <summary>
/// The saga's timers and its commands to Conversations are written with the saga, in one transaction: an attempt whose
/// save fails arms nothing and sends nothing, and the retry that succeeds does both once.
/// </summary>
public class SagaTransactionTests(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Failed_saves_arm_no_timer_and_send_no_close()
    {
        await using var inbox = await CommandInbox.OpenAsync(env);
        var conversation = IdleTimeoutTests.NewConversationId();
        var at = IdleTimeoutTests.Now();
        // Saves of this conversation's saga: 1 and 2 fail, 3 stores the handoff; 4 and 5 fail in the database, on a version
        // conflict after the saga's timer and send rows are written in the same batch; 6 stores the idle close.
        var saves = new FailingSaves(conversation, failing: [1, 2], conflicting: [4, 5], env);
        await using var host = await TimeoutsHost.StartAsync(env, Idle, services: s => s.ConfigureMarten(o => o.Listeners.Add(saves)));

        await host.Publish(new HandoffRequested(conversation, 1, "bot-1", at));

        // The saga and its timers commit together, on the third attempt: one row, none left by the failed two.
        await Eventually.True(async () => await TimersOf(conversation) > 0, because: "the handoff is stored with its timer");
        Assert.Equal(1, await TimersOf(conversation));
        Assert.Equal(3, saves.Attempts);

        var (command, _) = await inbox.First(conversation, TimeSpan.FromSeconds(20));
        Assert.Equal(new CloseIdleConversationV2(conversation, 1, at + Idle, 0), command);
        Assert.Equal(6, saves.Attempts);
        await Eventually.True(async () => await TimersOf(conversation) == 0, because: "the close went out and its row is gone");
        Assert.Single(inbox.For(conversation));
    }

    // The conversation's rows: its timers carry the saga's id, its commands the conversation's.
    private Task<long> TimersOf(string conversation) =>
        env.Scalar("select count(*) from {schema}.scheduled_messages where body->>'CorrelationId' = $1 or body->>'ConversationId' = $2",
            ConversationKey.For(conversation).ToString(), conversation);

    /// <summary>
    /// Fails the given attempts (counted from 1) to save one conversation's saga: <paramref name="failing"/> before anything
    /// is written, <paramref name="conflicting"/> in the database, by changing the stored saga's version under the save.
    /// </summary>
    private sealed class FailingSaves(string conversationId, int[] failing, int[] conflicting, IsolatedEnvironment env) : DocumentSessionListenerBase
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
        {
            if (!session.PendingChanges.AllChangedFor<ConversationTimeout>().Any(s => s.ConversationId == conversationId)) return;
            var attempt = Interlocked.Increment(ref _attempts);
            if (failing.Contains(attempt))
                throw new InvalidOperationException("injected: the saga's save fails");
            if (conflicting.Contains(attempt))
            {
                await using var connection = new NpgsqlConnection(env.PostgresConnectionString);
                await connection.OpenAsync(token);
                await using var bump = new NpgsqlCommand(
                    $"update \"{env.Schema("timeouts")}\".mt_doc_conversationtimeout set mt_version = gen_random_uuid() where id = $1", connection);
                bump.Parameters.AddWithValue(ConversationKey.For(conversationId));
                Assert.Equal(1, await bump.ExecuteNonQueryAsync(token));
            }
        }
    }
}
