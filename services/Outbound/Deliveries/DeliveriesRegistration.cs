using Handoff.ServiceDefaults;
using JasperFx;
using Marten;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Handoff.Outbound.Deliveries;

public static class DeliveriesRegistration
{
    public static IHostApplicationBuilder AddDeliveries(this IHostApplicationBuilder builder)
    {
        var (connectionString, schema) = builder.PostgresSettings("outbound");
        builder.Services.AddMarten(options =>
            {
                options.Connection(connectionString);
                options.DatabaseSchemaName = schema;
                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                options.Schema.For<DeliveredMessage>();
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup();

        builder.Services.AddHealthChecks().AddCheck<DeliveryStoreHealthCheck>("postgres", tags: ["ready"]);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddHandoffMessaging(
            x =>
            {
                x.AddConsumer<DeliveryRouter>(typeof(DeliveryRouterDefinition));
                x.AddConsumer<DeliveryConsumer>(typeof(DeliveryConsumerDefinition)).ExcludeFromConfigureEndpoints();
            },
            (context, bus) => bus.ConfigureLanes(context));
        return builder;
    }
}
