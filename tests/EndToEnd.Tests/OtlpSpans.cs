using System.Text;

namespace Handoff.EndToEnd.Tests;

/// <summary>One span as exported over OTLP: enough of it to check that a turn is one trace.</summary>
public sealed record ExportedSpan(string Service, string TraceId, string SpanId, string? ParentSpanId, string Name, ulong StartNanos);

/// <summary>
/// Reads spans out of OTLP/protobuf trace exports (ExportTraceServiceRequest) with a few lines of protobuf wire format, so the
/// tests need no protobuf library: ResourceSpans (1) → Resource (1) attributes and ScopeSpans (2) → Span (2).
/// </summary>
public static class OtlpSpans
{
    public static IEnumerable<ExportedSpan> Read(byte[] export)
    {
        foreach (var (field, resourceSpans) in Fields(export))
        {
            if (field != 1) continue;
            var service = "";
            var scopes = new List<byte[]>();
            foreach (var (f, value) in Fields(resourceSpans))
            {
                if (f == 1) service = ServiceName(value) ?? service;
                else if (f == 2) scopes.Add(value);
            }
            foreach (var scope in scopes)
            foreach (var (f, span) in Fields(scope))
                if (f == 2) yield return Span(service, span);
        }
    }

    private static ExportedSpan Span(string service, byte[] span)
    {
        string traceId = "", spanId = "", name = "";
        string? parent = null;
        ulong start = 0;
        foreach (var (field, value) in Fields(span))
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(value); break;
                case 2: spanId = Convert.ToHexStringLower(value); break;
                case 4: parent = value.Length == 0 ? null : Convert.ToHexStringLower(value); break;
                case 5: name = Encoding.UTF8.GetString(value); break;
                case 7: start = BitConverter.ToUInt64(value); break;
            }
        return new ExportedSpan(service, traceId, spanId, parent, name, start);
    }

    private static string? ServiceName(byte[] resource)
    {
        foreach (var (field, keyValue) in Fields(resource))
        {
            if (field != 1) continue;
            string? key = null, text = null;
            foreach (var (f, value) in Fields(keyValue))
                if (f == 1) key = Encoding.UTF8.GetString(value);
                else if (f == 2) text = Fields(value).Where(v => v.Field == 1).Select(v => Encoding.UTF8.GetString(v.Value)).FirstOrDefault();
            if (key == "service.name") return text;
        }
        return null;
    }

    /// <summary>The fields of one message; varints come back as their 8 little-endian bytes, like fixed64.</summary>
    private static IEnumerable<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message, ref position);
            var (field, wireType) = ((int)(tag >> 3), (int)(tag & 7));
            switch (wireType)
            {
                case 0:
                    yield return (field, BitConverter.GetBytes(Varint(message, ref position)));
                    break;
                case 1:
                    yield return (field, message[position..(position + 8)]);
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    yield return (field, message[position..(position + length)]);
                    position += length;
                    break;
                case 5:
                    yield return (field, message[position..(position + 4)]);
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"protobuf wire type {wireType} at {position}");
            }
        }
    }

    private static ulong Varint(byte[] buffer, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = buffer[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
    }
}
