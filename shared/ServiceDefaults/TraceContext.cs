using System.Diagnostics;

namespace Handoff.ServiceDefaults;

/// <summary>
/// Carries a trace across the hops that run in the background: an event store subscription, a delivery queue. The writer
/// stores <see cref="Current"/> (a W3C traceparent) next to what it writes; the background reader starts its span as a
/// child of it, so the broker publish and everything after it joins the trace of the request that caused it.
/// </summary>
public static class TraceContext
{
    /// <summary>The name of the event header (Marten event metadata) that holds it.</summary>
    public const string Header = "traceparent";

    public static string? Current => Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null;

    /// <summary>A span continuing the trace in <paramref name="traceparent"/>, or a new trace when there is none (or it is malformed).</summary>
    public static Activity? StartActivity(this ActivitySource source, string name, ActivityKind kind, string? traceparent,
        IEnumerable<KeyValuePair<string, object?>>? tags = null) =>
        traceparent is not null && ActivityContext.TryParse(traceparent, null, out var parent)
            ? source.StartActivity(name, kind, parent, tags)
            : source.StartActivity(name, kind, default(ActivityContext), tags);
}
