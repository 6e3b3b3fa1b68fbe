using Handoff.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Handoff.Gateway.Webhooks;

/// <summary>Body → command → sent to Conversations; 200 only once the broker has confirmed the message.</summary>
public sealed class WebhookHandler(ISendEndpointProvider sendEndpoints, IOptions<GatewayOptions> options, ILogger<WebhookHandler> logger)
{
    public async Task<IResult> HandleAsync<T>(HttpRequest request, Func<ReadOnlyMemory<byte>, Parsed<T>> parse, Func<T, string> conversationId)
        where T : class
    {
        var (body, rejection) = await WebhookBody.ReadAsync(request, options.Value.MaxBodyBytes);
        if (rejection is not null)
            return rejection.ToResult();

        var parsed = parse(body);
        if (parsed.Command is not { } command)
        {
            logger.LogInformation("Rejected {CommandType} webhook: {Problem}", typeof(T).Name, parsed.Error);
            return new WebhookReply(StatusCodes.Status400BadRequest, parsed.Error!).ToResult();
        }

        var aborted = request.HttpContext.RequestAborted;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(options.Value.BrokerTimeout);
        try
        {
            // Send, not Publish: a publish finds no queue until Conversations has bound one, and would be dropped.
            // WaitAsync bounds the wait even where MassTransit stops watching the token (e.g. while it reconnects).
            var endpoint = await sendEndpoints.GetSendEndpoint(Queues.ConversationCommandsAddress).WaitAsync(timeout.Token);
            await endpoint.Send(command, timeout.Token).WaitAsync(timeout.Token);
            return WebhookReply.Success.ToResult();
        }
        catch (Exception e) when (!aborted.IsCancellationRequested)
        {
            logger.LogWarning(e, "Broker did not confirm {CommandType} for {ConversationId}", typeof(T).Name, conversationId(command));
            return new WebhookReply(StatusCodes.Status503ServiceUnavailable, "message broker unavailable, please retry").ToResult();
        }
    }
}
