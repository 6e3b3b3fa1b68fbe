using System.ComponentModel.DataAnnotations;
using Marten;

namespace Handoff.Conversations.Metrics;

public sealed class SupportFloorOptions
{
    public const string Section = "SupportFloor";

    /// <summary>How often the waiting and active gauges are counted again from the store.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(15);
}

public static class SupportFloorRegistration
{
    /// <summary>The <c>Handoff.Conversations</c> meter: a subscription measuring the events, and the gauges' counter.</summary>
    public static IHostApplicationBuilder AddSupportFloorMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SupportFloorOptions>()
            .Bind(builder.Configuration.GetSection(SupportFloorOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<SupportFloorMetrics>();
        builder.Services.AddSingleton<SupportFloorSubscription>();
        builder.Services.ConfigureMarten((services, options) =>
        {
            options.Schema.For<FloorTimes>();
            options.Events.Subscribe(services.GetRequiredService<SupportFloorSubscription>());
        });
        builder.Services.AddHostedService<SupportFloorGauges>();
        return builder;
    }
}
