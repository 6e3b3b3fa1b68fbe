using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Handoff.Outbound.AltaBots;

/// <summary>Posts to AltaBots and classifies the answer; it never retries on its own.</summary>
public sealed class AltaBotsClient(HttpClient http, TimeProvider clock)
{
    /// <summary>
    /// One attempt. <paramref name="body"/> is sent byte for byte as it was first serialised, so every attempt and replay of a
    /// message is the same request; <paramref name="deliveryId"/> goes in both Idempotency-Key and the Standard Webhooks
    /// webhook-id header, so a receiver can drop repeats whichever convention it follows.
    /// </summary>
    public async Task<DeliveryResult> Send(string path, string body, Guid deliveryId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("Idempotency-Key", deliveryId.ToString());
        request.Headers.Add("webhook-id", deliveryId.ToString());
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return new(DeliveryResult.Classify(response.StatusCode), (int)response.StatusCode,
                await PlatformCode(response, cancellationToken), RetryAfter(response));
        }
        catch (HttpRequestException e)
        {
            return DeliveryResult.NoAnswer(e.InnerException is SocketException socket ? socket.SocketErrorCode.ToString() : e.HttpRequestError.ToString());
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout elapsed: the attempt timed out; the caller did not cancel it.
            return DeliveryResult.NoAnswer("timed out");
        }
    }

    /// <summary>Retry-After as seconds or as an HTTP date; only on the answers that may be retried.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)) return null;
        return response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - clock.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            _ => null,
        };
    }

    /// <summary>AltaBots answers <c>{code, message}</c>; only the code is kept, since the message may quote the user's text.</summary>
    private static async Task<int?> PlatformCode(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await response.Content.ReadFromJsonAsync<Answer>(cancellationToken);
            return answer?.Code;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or HttpRequestException)
        {
            return null;
        }
    }

    private sealed record Answer(int? Code);
}
