using System.Net;
using System.Text.Json;
using Handoff.Conversations.Api;
using JasperFx.Events;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Handoff.Conversations.Tests.Service;

public sealed class BusyConversationTests
{
    private static async Task<(bool Handled, DefaultHttpContext Context, string Body)> Handle(Exception exception)
    {
        var context = new DefaultHttpContext { Response = { Body = new MemoryStream() } };
        var handled = await new BusyConversationHandler(NullLogger<BusyConversationHandler>.Instance)
            .TryHandleAsync(context, exception, CancellationToken.None);
        context.Response.Body.Position = 0;
        return (handled, context, await new StreamReader(context.Response.Body).ReadToEndAsync());
    }

    [Fact]
    public async Task A_write_conflict_that_outlasted_every_retry_is_answered_503_with_retry_after_not_500()
    {
        var conflict = new InvalidOperationException("wrapped", new EventStreamUnexpectedMaxEventIdException("c1", typeof(object), 7, 6));

        var (handled, context, body) = await Handle(conflict);

        Assert.True(handled);
        Assert.Equal((int)HttpStatusCode.ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
        Assert.Equal("conversation_busy", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Other_exceptions_are_left_to_the_other_handlers()
    {
        var (handled, _, _) = await Handle(new InvalidOperationException("something else"));

        Assert.False(handled);
    }
}
