using System.ComponentModel.DataAnnotations;
using Handoff.Gateway.WebhookSecurity;

namespace Handoff.Gateway.Tests.Security;

public sealed class WebhookSecurityOptionsTests
{
    private static List<ValidationResult> Validate(WebhookSecurityOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Without_secrets_the_Gateway_refuses_to_start_unless_told_to_accept_anyone()
    {
        Assert.Contains(Validate(new WebhookSecurityOptions()), r => r.ErrorMessage!.Contains("AllowUnauthenticated=true"));
        Assert.Empty(Validate(new WebhookSecurityOptions { AllowUnauthenticated = true }));
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has/a/slash/in-it-0123456789abcdef")]
    [InlineData("has a space 0123456789abcdefghijk")]
    public void A_secret_that_is_short_or_not_url_safe_is_refused_without_being_echoed(string secret)
    {
        var errors = Validate(new WebhookSecurityOptions { Secrets = [secret] });

        var error = Assert.Single(errors);
        Assert.DoesNotContain(secret, error.ErrorMessage);
    }
}
