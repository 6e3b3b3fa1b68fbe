using System.Net.Sockets;
using System.Text;

namespace Handoff.Gateway.Tests.Fuzzing;

/// <summary>
/// Sends bytes as they are, for requests no HttpClient would write (bad percent-encoding, headers over the limits,
/// framing that contradicts itself), and reads the first response on the connection.
/// </summary>
public static class RawHttp
{
    public sealed record Response(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public override string ToString() => $"{Status} {(Body.Length > 300 ? Body[..300] : Body)}";
    }

    /// <summary>The response, or null when the server closed the connection without one; a timeout throws.</summary>
    public static async Task<Response?> SendAsync(Uri server, byte[] request, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, cancel.Token);
        var stream = tcp.GetStream();
        // Written while reading: a server may answer (and close) before it has read all of an oversized request.
        var writing = Write(stream, request, cancel.Token);
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                if (TryParse(received.ToArray(), complete: false) is { } response) return response;
                var read = await stream.ReadAsync(buffer, cancel.Token);
                if (read == 0) break;
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // Reset by the server: whatever it answered before counts.
        }
        finally
        {
            await writing;
        }
        return TryParse(received.ToArray(), complete: true);
    }

    private static async Task Write(NetworkStream stream, byte[] request, CancellationToken ct)
    {
        try
        {
            await stream.WriteAsync(request, ct);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>A whole response, or null if more is to come; with <paramref name="complete"/>, what there is.</summary>
    private static Response? TryParse(byte[] bytes, bool complete)
    {
        var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
            return complete && bytes.Length > 0 ? throw new InvalidOperationException($"Not an HTTP response: {Encoding.Latin1.GetString(bytes[..Math.Min(bytes.Length, 200)])}") : null;
        var lines = Encoding.Latin1.GetString(bytes, 0, end).Split("\r\n");
        if (!lines[0].StartsWith("HTTP/1.", StringComparison.Ordinal))
            throw new InvalidOperationException($"Not an HTTP response: {lines[0]}");
        var status = int.Parse(lines[0].Split(' ')[1]);
        if (status is >= 100 and < 200 and not 101)
            return TryParse(bytes[(end + 4)..], complete); // an interim answer (100 Continue): the final one follows
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).GroupBy(p => p[0].Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => string.Join(", ", g.Select(p => p[1].Trim())), StringComparer.OrdinalIgnoreCase);
        var body = bytes[(end + 4)..];
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked"))
        {
            if (Unchunk(body) is { } whole) body = whole;
            else if (!complete) return null;
        }
        else if (headers.TryGetValue("Content-Length", out var length) && body.Length < int.Parse(length) && !complete)
            return null;
        else if (!headers.ContainsKey("Content-Length") && status is not (101 or 204 or 304) && !complete)
            return null; // read to the end of the connection
        return new Response(status, headers, Encoding.UTF8.GetString(body));
    }

    /// <summary>The body of a chunked message, or null if its last chunk has not arrived.</summary>
    private static byte[]? Unchunk(byte[] chunked)
    {
        var body = new MemoryStream();
        var at = 0;
        while (at < chunked.Length && chunked.AsSpan(at).IndexOf("\r\n"u8) is var length and >= 0)
        {
            var size = Convert.ToInt32(Encoding.ASCII.GetString(chunked, at, length).Split(';')[0], 16);
            if (size == 0) return body.ToArray();
            if (at + length + 2 + size > chunked.Length) return null;
            body.Write(chunked, at + length + 2, size);
            at += length + 2 + size + 2;
        }
        return null;
    }
}
