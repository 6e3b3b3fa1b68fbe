using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Handoff.Contracts;
using Handoff.Testing;
using Npgsql;
using Xunit.Abstractions;
using static Handoff.Conversations.Tests.Service.ConversationsService;

namespace Handoff.Conversations.Tests.Service;

public sealed class AgentApiFuzzTests(ConversationsService service, ITestOutputHelper output) : IClassFixture<ConversationsService>
{
    private const int Cases = 2500;
    private const int Seed = 20261125;

    [Fact]
    public async Task Thousands_of_bad_agent_requests_each_get_a_4xx_in_the_error_shape_and_change_nothing()
    {
        var existing = NewId();
        await service.Send(Establish(existing, DateTimeOffset.FromUnixTimeMilliseconds(1742265090895)));
        await service.ViewWhen(existing, v => v.GetProperty("status").GetString() == "waiting", "the handoff shows as waiting");
        using var supervisor = service.Agent("fuzz-supervisor");
        var viewBefore = await supervisor.GetStringAsync($"/api/conversations/{existing}");
        var eventsBefore = await EventCount();

        using var client = service.Factory.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(10); // a hang fails the test instead of stalling it
        var generator = new BadAgentRequests(Seed, existing);
        var byKind = new Dictionary<string, int>();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Cases; i++)
        {
            var bad = generator.Next();
            var response = await client.SendAsync(bad.ToMessage());
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();
            var because = $"case {i} (seed {Seed}) {bad} got {status}: {(body.Length > 300 ? body[..300] : body)}";
            Assert.True(status is >= 400 and < 500, because);
            ApiErrorShape.AssertIn(body, because);
            byKind[bad.Kind] = byKind.GetValueOrDefault(bad.Kind) + 1;
        }
        output.WriteLine($"{Cases} cases in {watch.Elapsed.TotalSeconds:F1} s: {string.Join(", ", byKind.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))}");

        Assert.Equal(eventsBefore, await EventCount());
        Assert.Equal(viewBefore, await supervisor.GetStringAsync($"/api/conversations/{existing}"));
        // A valid request right after is still served, and changes what it should.
        var reply = await supervisor.PostAsJsonAsync($"/api/conversations/{existing}/messages", new { text = "Still here." });
        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        Assert.Equal(eventsBefore + 2, await EventCount()); // the reply, and the assignment of the first reply
    }

    private async Task<long> EventCount()
    {
        await using var connection = new NpgsqlConnection(service.PostgresConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand($"select count(*) from \"{service.Schema("conversations")}\".mt_events", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
