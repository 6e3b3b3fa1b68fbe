using System.Threading.Channels;

namespace Handoff.ServiceDefaults;

/// <summary>
/// Wakes this instance's poller (Outbound's deliveries, Timeouts' scheduled messages) when it made something due itself, so
/// it does not wait for its next poll.
/// </summary>
public sealed class DispatchSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _channel.Writer.TryWrite(true);

    /// <summary>Waits for a wake-up or <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task Wait(TimeSpan timeout, CancellationToken ct)
    {
        if (_channel.Reader.TryRead(out _)) return;
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        try
        {
            await _channel.Reader.ReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
    }
}
