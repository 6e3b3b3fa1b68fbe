using System.Text.RegularExpressions;
using Handoff.Contracts;
using Handoff.Testing;
using static Handoff.Timeouts.Tests.IdleTimeoutTests;

namespace Handoff.Timeouts.Tests;

public class TimerMetricsTests(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    [Fact]
    public async Task An_idle_close_is_counted_once_as_a_timer_fired_on_the_scrape_endpoint()
    {
        await using var inbox = await CommandInbox.OpenAsync(env);
        await using var host = await TimeoutsHost.StartAsync(env, TimeSpan.FromSeconds(2));
        var conversation = NewConversationId();

        await host.Publish(new HandoffRequested(conversation, 1, "bot-1", Now()));
        await inbox.First(conversation);

        using var client = host.CreateClient();
        var scrape = "";
        await Eventually.True(async () => IdleCloses(scrape = await client.GetStringAsync("/metrics")) == 1, TimeSpan.FromSeconds(10),
            "the idle close is counted");
        await Dashboard.AssertScrapedBy("Timeouts", () => Task.FromResult(scrape), TimeSpan.Zero);
    }

    private static int IdleCloses(string scrape) =>
        Regex.Match(scrape, @"^handoff_timeouts_timers_fired_total\{[^}]*kind=""idle_close""[^}]*\} (\d+)", RegexOptions.Multiline) is { Success: true } m
            ? int.Parse(m.Groups[1].Value) : 0;
}
