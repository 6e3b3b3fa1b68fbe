namespace Handoff.Gateway.Webhooks;

/// <summary>A parsed webhook: the command, or an error of the form "field: what is wrong".</summary>
public sealed record Parsed<T>(T? Command, string? Error) where T : class
{
    public static Parsed<T> Ok(T command) => new(command, null);
    public static Parsed<T> Fail(string error) => new(null, error);
}

/// <summary>The field limits a webhook must keep (<see cref="GatewayOptions"/>).</summary>
public sealed record WebhookLimits(int MaxIdLength, int MaxTextLength, int MaxHistoryTurns)
{
    public static readonly WebhookLimits Default = new GatewayOptions().Limits();
}
