using Handoff.Testing;
using Handoff.Timeouts.IdleTimeouts;

namespace Handoff.Timeouts.Tests;

public class UnreadableRowTests(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    // Left in place, a row no build can read would be claimed first in every poll, forever; a batch of them would hold
    // back every timer behind it.
    [Fact]
    public async Task A_due_row_whose_body_cannot_be_read_is_dropped()
    {
        await using var host = await TimeoutsHost.StartAsync(env, TimeSpan.FromSeconds(3));
        var token = Guid.NewGuid();
        await env.Scalar("""
                   insert into {schema}.scheduled_messages (token_id, due_at, destination, message_type, body)
                   values ($1, now(), 'queue:timeouts-conversation', $2, '{"CorrelationId": "not a guid"}')
                   """, token, $"{typeof(IdleTimeoutElapsed).FullName}, {typeof(IdleTimeoutElapsed).Assembly.GetName().Name}");

        await Eventually.True(async () => await env.Scalar("select count(*) from {schema}.scheduled_messages where token_id = $1", token) == 0,
            because: "the unreadable row is dropped");
    }
}
