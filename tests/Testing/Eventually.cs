namespace Handoff.Testing;

/// <summary>Waits on a condition with a deadline, never a fixed sleep.</summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T?>> probe, TimeSpan? timeout = null, string? because = null) where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var value = await probe();
            if (value is not null) return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Condition not met within {timeout ?? TimeSpan.FromSeconds(15)}: {because}");
            await Task.Delay(50);
        }
    }

    public static async Task True(Func<Task<bool>> probe, TimeSpan? timeout = null, string? because = null) =>
        await Get<object>(async () => await probe() ? new object() : null, timeout, because);

    public static Task True(Func<bool> probe, TimeSpan? timeout = null, string? because = null) =>
        True(() => Task.FromResult(probe()), timeout, because);
}
