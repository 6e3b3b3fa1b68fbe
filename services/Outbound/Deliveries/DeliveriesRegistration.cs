using Handoff.Outbound.Operations;
using Handoff.ServiceDefaults;
using JasperFx;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Weasel.Core;

namespace Handoff.Outbound.Deliveries;

public static class DeliveriesRegistration
{
    public static IHostApplicationBuilder AddDeliveries(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        var (connectionString, schema) = builder.PostgresSettings("outbound");
        var applySchema = builder.ApplySchemaOnStart();
        var marten = services.AddMarten(options =>
            {
                options.DatabaseSchemaName = schema;
                options.Events.DatabaseSchemaName = schema;
                // Each event keeps the trace of the attempt that recorded it (TraceContext), for the status publisher.
                options.Events.MetadataConfig.HeadersEnabled = true;
                // Off (deploy/k8s), the db-apply Job has made the tables, the delivery queue's included.
                options.AutoCreateSchemaObjects = applySchema ? AutoCreate.CreateOrUpdate : AutoCreate.None;
                options.UseSystemTextJsonForSerialization(EnumStorage.AsString);
                options.Events.AddEventTypes([typeof(DeliveryAttemptFailed), typeof(DeliverySucceeded), typeof(DeliveryGaveUp), typeof(DeliveryReplayed)]);
                options.Storage.ExtendedSchemaObjects.AddRange(DeliverySchema.Tables(schema));
            })
            // One connection pool for Marten and the delivery queue's own SQL: they share transactions anyway.
            .UseNpgsqlDataSource()
            .UseLightweightSessions();
        // Marten makes its own tables on first use, never the delivery queue's (only our SQL touches them): all on start.
        if (applySchema) marten.ApplyAllDatabaseChangesOnStartup();
        marten.AddAsyncDaemon(DaemonMode.HotCold)
            .AddSubscriptionWithServices<DeliveryStatusPublisher>(ServiceLifetime.Singleton);

        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton(sp => new DeliveryStore(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<IDocumentStore>(), schema));
        services.AddSingleton<IDeliveryOperations>(sp => sp.GetRequiredService<DeliveryStore>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new CircuitBreaker(sp.GetRequiredService<IOptions<DeliveryOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<DispatchSignal>();
        services.AddSingleton<DeliveryMetrics>();
        services.AddHostedService<DeliveryDispatcher>();
        services.AddHostedService<DeliveryHousekeeper>();

        services.AddHealthChecks().AddCheck<DeliveryStoreHealthCheck>("postgres", tags: ["ready"]);
        builder.AddHandoffMessaging(x => x.AddConsumer<DeliveryIntake>(typeof(DeliveryIntakeDefinition)));
        return builder;
    }
}
