using System.Net;
using Handoff.Outbound.AltaBots;

namespace Handoff.Outbound.Tests;

public sealed class AltaBotsAnswerTests
{
    private static DeliveryOutcome Classify(int status) => DeliveryResult.Classify((HttpStatusCode)status);

    [Fact]
    public void Any_2xx_is_delivered()
    {
        foreach (var status in new[] { 200, 201, 202, 204, 299 })
            Assert.Equal(DeliveryOutcome.Delivered, Classify(status));
    }

    [Fact]
    public void Timeouts_throttling_and_server_errors_are_retried()
    {
        foreach (var status in new[] { 408, 429, 500, 502, 503, 504 })
            Assert.Equal(DeliveryOutcome.Retry, Classify(status));
    }

    [Fact]
    public void Other_client_errors_are_rejected_for_good()
    {
        foreach (var status in new[] { 400, 401, 403, 404, 409, 413, 422 })
            Assert.Equal(DeliveryOutcome.Rejected, Classify(status));
    }

    [Fact]
    public void No_answer_at_all_is_retried()
    {
        var noAnswer = DeliveryResult.NoAnswer("ConnectionRefused");

        Assert.Equal(DeliveryOutcome.Retry, noAnswer.Outcome);
        Assert.Null(noAnswer.StatusCode);
        Assert.Equal("no answer (ConnectionRefused)", noAnswer.Description);
    }
}
