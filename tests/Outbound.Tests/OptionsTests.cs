using Microsoft.AspNetCore.Mvc.Testing;

namespace Handoff.Outbound.Tests;

[Collection(nameof(Program))]
public sealed class OptionsTests
{
    private static Exception StartWith(params (string Key, string Value)[] settings)
    {
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        });
        return Assert.ThrowsAny<Exception>(() => factory.Services);
    }

    [Fact]
    public void Outbound_does_not_start_without_an_api_key()
    {
        var error = StartWith(("AltaBots:BaseUrl", "https://altatech.ai"));

        Assert.Contains("ApiKey", error.ToString());
    }

    [Fact]
    public void Outbound_does_not_start_with_a_relative_base_url()
    {
        var error = StartWith(("AltaBots:BaseUrl", "/v1"), ("AltaBots:ApiKey", "key"));

        Assert.Contains("AltaBots:BaseUrl must be an absolute", error.ToString());
    }
}
