namespace Handoff.Gateway.Webhooks;

/// <summary>The <c>{ "code": int, "message": string }</c> body AltaBots expects from every webhook, errors included.</summary>
public sealed record WebhookReply(int Code, string Message)
{
    public static readonly WebhookReply Success = new(StatusCodes.Status200OK, "success");

    public IResult ToResult() => Results.Json(this, statusCode: Code);
}
