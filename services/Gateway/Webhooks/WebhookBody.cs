namespace Handoff.Gateway.Webhooks;

/// <summary>Reads a webhook body with a hard size cap, counting bytes itself so chunked bodies are capped too.</summary>
public static class WebhookBody
{
    public static async Task<(ReadOnlyMemory<byte> Bytes, WebhookReply? Rejection)> ReadAsync(HttpRequest request, int maxBytes)
    {
        if (!request.HasJsonContentType())
            return (default, new(StatusCodes.Status415UnsupportedMediaType, "content-type: must be application/json"));
        if (request.ContentLength > maxBytes)
            return (default, TooLarge(maxBytes));

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                    return (default, TooLarge(maxBytes));
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits and malformed chunked framing: still answer in the shape AltaBots reads.
            return (default, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge(maxBytes)
                : new(StatusCodes.Status400BadRequest, "request body: could not be read"));
        }
        return (buffer.GetBuffer().AsMemory(0, (int)buffer.Length), null);
    }

    private static WebhookReply TooLarge(int maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, $"request body: must be at most {maxBytes} bytes");
}
