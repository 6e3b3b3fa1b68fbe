namespace Handoff.Gateway.WebhookSecurity;

/// <summary>
/// The <c>webhook-id</c>s this Gateway has accepted recently, bounded in count and kept only as long as a timestamp
/// can still pass the tolerance check (after that the timestamp alone rejects the replay).
/// It is per process: with several Gateway replicas a replay sent to another replica within the tolerance gets
/// through. That costs nothing, because Conversations decides nothing for a repeated webhook; strict rejection
/// across replicas would need a shared store (a table or a cache all replicas write).
/// </summary>
public sealed class ReplayGuard(int capacity, TimeSpan remember, TimeProvider clock)
{
    private readonly Dictionary<string, DateTimeOffset> seen = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, DateTimeOffset Expires)> order = new();
    private readonly Lock gate = new();

    /// <summary>
    /// Claims <paramref name="id"/>; false when it was claimed before and not released. A sender retries with the same
    /// id after anything but 2xx, so a failed delivery must <see cref="Release"/> it.
    /// </summary>
    public bool TryClaim(string id)
    {
        var now = clock.GetUtcNow();
        lock (gate)
        {
            while (order.TryPeek(out var head) && (head.Expires <= now || order.Count >= capacity))
            {
                order.Dequeue();
                if (seen.TryGetValue(head.Id, out var expires) && expires == head.Expires) seen.Remove(head.Id);
            }
            if (seen.TryGetValue(id, out var until) && until > now) return false;
            var entry = (id, now + remember);
            seen[id] = entry.Item2;
            order.Enqueue(entry);
            return true;
        }
    }

    public void Release(string id)
    {
        lock (gate) seen.Remove(id);
    }

    public int Count
    {
        get { lock (gate) return seen.Count; }
    }
}
