using Handoff.Contracts;
using Handoff.Gateway.WebhookSecurity;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Handoff.Gateway.Webhooks;

/// <summary>Body → command → sent to Conversations; 200 only once the broker has confirmed the message.</summary>
public sealed class WebhookHandler(
    ISendEndpointProvider sendEndpoints, WebhookAuthenticator authenticator, IOptions<GatewayOptions> options, ILogger<WebhookHandler> logger)
{
    public async Task<IResult> HandleAsync<T>(
        HttpRequest request, Func<ReadOnlyMemory<byte>, WebhookLimits, Parsed<T>> parse, Func<T, string> conversationId)
        where T : class
    {
        // The secret first: a stranger learns nothing about our limits or parsing, and costs us no body read.
        if (authenticator.CheckSecret(request) is { } unauthenticated)
            return Rejected<T>(unauthenticated);

        var (body, rejection) = await WebhookBody.ReadAsync(request, options.Value.MaxBodyBytes);
        if (rejection is not null)
            return rejection.ToResult();

        if (authenticator.CheckSignature(request, body.Span, out var webhookId) is { } unsigned)
            return Rejected<T>(unsigned);

        // A sender retries with the same webhook-id after anything but 200: that retry is not a replay.
        var delivered = false;
        try
        {
            var reply = await ParseAndSendAsync(request, body, parse, conversationId);
            delivered = reply.Code == StatusCodes.Status200OK;
            return reply.ToResult();
        }
        finally
        {
            if (webhookId is not null && !delivered) authenticator.Release(webhookId);
        }
    }

    // Static, not from the host's meter factory: one instrument per process is what a histogram of the broker hop needs.
    private static readonly System.Diagnostics.Metrics.Meter Meter = new("Handoff.Gateway");

    /// <summary>From handing a command to MassTransit to the broker's publisher confirm: what a webhook waits for the broker.</summary>
    private static readonly System.Diagnostics.Metrics.Histogram<double> BrokerConfirm = Meter.CreateHistogram<double>(
        "handoff.gateway.broker.confirm.duration", "s", "From sending a webhook's command to the broker's publisher confirm",
        advice: new System.Diagnostics.Metrics.InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    private IResult Rejected<T>(WebhookReply reply)
    {
        logger.LogInformation("Rejected {CommandType} webhook: {Problem}", typeof(T).Name, reply.Message);
        return reply.ToResult();
    }

    private async Task<WebhookReply> ParseAndSendAsync<T>(
        HttpRequest request, ReadOnlyMemory<byte> body, Func<ReadOnlyMemory<byte>, WebhookLimits, Parsed<T>> parse, Func<T, string> conversationId)
        where T : class
    {
        var parsed = parse(body, options.Value.Limits());
        if (parsed.Command is not { } command)
        {
            logger.LogInformation("Rejected {CommandType} webhook: {Problem}", typeof(T).Name, parsed.Error);
            return new WebhookReply(StatusCodes.Status400BadRequest, parsed.Error!);
        }

        var aborted = request.HttpContext.RequestAborted;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(options.Value.BrokerTimeout);
        try
        {
            // Send, not Publish: a publish finds no queue until Conversations has bound one, and would be dropped.
            // WaitAsync bounds the wait even where MassTransit stops watching the token (e.g. while it reconnects).
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var endpoint = await sendEndpoints.GetSendEndpoint(Queues.ConversationCommandsAddress(conversationId(command))).WaitAsync(timeout.Token);
            await endpoint.Send(command, timeout.Token).WaitAsync(timeout.Token);
            BrokerConfirm.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("command", typeof(T).Name));
            return WebhookReply.Success;
        }
        catch (Exception e) when (!aborted.IsCancellationRequested)
        {
            logger.LogWarning(e, "Broker did not confirm {CommandType} for {ConversationId}", typeof(T).Name, conversationId(command));
            return new WebhookReply(StatusCodes.Status503ServiceUnavailable, "message broker unavailable, please retry");
        }
    }
}
