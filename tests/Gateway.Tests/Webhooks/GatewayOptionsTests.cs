using System.ComponentModel.DataAnnotations;
using Handoff.Gateway.Webhooks;

namespace Handoff.Gateway.Tests.Webhooks;

public sealed class GatewayOptionsTests
{
    [Fact]
    public void Without_configured_prefixes_both_documented_forms_are_served()
    {
        Assert.Equal(["", "/human/service"], new GatewayOptions().EffectivePathPrefixes());
    }

    [Fact]
    public void Prefixes_are_normalised_to_route_form()
    {
        var options = new GatewayOptions { PathPrefixes = ["/", "/human/service/", "/Human/Service", "/v2"] };

        Assert.Equal(["", "/human/service", "/v2"], options.EffectivePathPrefixes());
    }

    [Fact]
    public void A_prefix_without_a_leading_slash_fails_validation()
    {
        var options = new GatewayOptions { PathPrefixes = ["human/service"] };

        var results = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains("human/service", results.Single().ErrorMessage);
    }

    [Fact]
    public void A_broker_timeout_of_zero_fails_validation()
    {
        var options = new GatewayOptions { BrokerTimeout = TimeSpan.Zero };

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }
}
