using Handoff.ServiceDefaults;
using Handoff.Timeouts.IdleTimeouts;
using Handoff.Timeouts.Sagas;
using Handoff.Timeouts.Scheduling;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Handoff.Timeouts;

public static class TimeoutsExtensions
{
    private const string DefaultSchema = "timeouts";

    public static IHostApplicationBuilder AddIdleTimeouts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdleTimeoutOptions>()
            .Bind(builder.Configuration.GetSection(IdleTimeoutOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<TimerOptions>()
            .Bind(builder.Configuration.GetSection(TimerOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<TimerMetrics>();
        builder.Services.AddHostedService<ClosedSagaHousekeeper>();
        return builder;
    }

    /// <summary>Sagas are Marten documents in this service's own schema.</summary>
    public static IHostApplicationBuilder AddTimeoutsStorage(this IHostApplicationBuilder builder)
    {
        var (connectionString, schema) = builder.PostgresSettings(DefaultSchema);
        // One connection pool, shared by Marten (sagas) and the scheduler's own SQL.
        builder.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        var applySchema = builder.ApplySchemaOnStart();
        var marten = builder.Services.AddMarten(options =>
            {
                options.DatabaseSchemaName = schema;
                // Off (deploy/k8s), the db-apply Job has made the tables, scheduled_messages included.
                options.AutoCreateSchemaObjects = applySchema ? JasperFx.AutoCreate.CreateOrUpdate : JasperFx.AutoCreate.None;
                options.Storage.ExtendedSchemaObjects.Add(ScheduledMessageStore.Table(schema));
            })
            .UseNpgsqlDataSource()
            .UseLightweightSessions();
        // Marten makes the saga documents on first use, never scheduled_messages (only our SQL touches it): all on start.
        if (applySchema) marten.ApplyAllDatabaseChangesOnStartup();
        // Sagas and timers both live in PostgreSQL: without it no event is tracked and no timer fires.
        builder.Services.AddHealthChecks().AddDatabase(s => s.GetRequiredService<IDocumentStore>().Storage.Database.CreateConnection());
        return builder;
    }

    /// <summary>Scheduled messages wait in PostgreSQL, beside the sagas, until a poller sends them.</summary>
    public static IHostApplicationBuilder AddPostgresScheduler(this IHostApplicationBuilder builder)
    {
        var (connectionString, schema) = builder.PostgresSettings(DefaultSchema);
        builder.Services.AddOptions<SchedulerOptions>()
            .Bind(builder.Configuration.GetSection(SchedulerOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddSingleton(s => new ScheduledMessageStore(s.GetRequiredService<NpgsqlDataSource>(), schema));
        builder.Services.AddSingleton<DispatchSignal>();
        builder.Services.AddHostedService<ScheduledMessageDispatcher>();
        return builder;
    }

    public static IHostApplicationBuilder AddTimeoutsMessaging(this IHostApplicationBuilder builder) =>
        builder.AddHandoffMessaging(
            x => x.AddSagaStateMachine<ConversationTimeoutStateMachine, ConversationTimeout, ConversationTimeoutSagaDefinition>()
                .MartenRepository(),
            (context, bus) => bus.UseFilter(new PostgresMessageSchedulerFilter(
                context.GetRequiredService<ScheduledMessageStore>(), context.GetRequiredService<DispatchSignal>(), context.GetRequiredService<TimeProvider>())));
}
