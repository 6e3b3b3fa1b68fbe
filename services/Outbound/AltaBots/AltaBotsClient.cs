using System.Net.Http.Json;
using System.Text.Json;

namespace Handoff.Outbound.AltaBots;

/// <summary>Posts to AltaBots and classifies the answer; it never retries on its own.</summary>
public sealed class AltaBotsClient(HttpClient http)
{
    public async Task<DeliveryResult> Send(AltaBotsCall call, Guid idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, call.Path) { Content = JsonContent.Create(call.Body, call.Body.GetType()) };
        request.Headers.Add("Idempotency-Key", idempotencyKey.ToString());
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return new(DeliveryResult.Classify(response.StatusCode), (int)response.StatusCode, await PlatformCode(response, cancellationToken));
        }
        catch (HttpRequestException)
        {
            return DeliveryResult.NoAnswer;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout elapsed: the attempt timed out, the consumer was not stopped.
            return DeliveryResult.NoAnswer;
        }
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
