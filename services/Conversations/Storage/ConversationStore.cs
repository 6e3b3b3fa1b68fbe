using Handoff.Conversations.Conversations;
using Handoff.Conversations.GetConversation;
using Handoff.Conversations.IntegrationEvents;
using Handoff.ServiceDefaults;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Weasel.Core;

namespace Handoff.Conversations.Storage;

public static class ConversationStore
{
    public static IHostApplicationBuilder AddConversationStore(this IHostApplicationBuilder builder)
    {
        var (connectionString, schema) = builder.PostgresSettings("conversations");
        var applySchema = builder.ApplySchemaOnStart();
        builder.Services.AddMarten(opts =>
            {
                opts.Connection(connectionString);
                opts.DatabaseSchemaName = schema;
                opts.Events.DatabaseSchemaName = schema;
                // AltaBots' conversation_id is the stream key, kept opaque.
                opts.Events.StreamIdentity = StreamIdentity.AsString;
                // Each event keeps the trace it was written in (TraceContext), for the publisher to continue.
                opts.Events.MetadataConfig.HeadersEnabled = true;
                // Off (deploy/k8s), the db-apply Job has made the tables; on, they are made on first use.
                opts.AutoCreateSchemaObjects = applySchema ? AutoCreate.CreateOrUpdate : AutoCreate.None;
                opts.UseSystemTextJsonForSerialization(EnumStorage.AsString);
                opts.Events.AddEventTypes([
                    typeof(HandoffWasRequested), typeof(UserMessagePosted), typeof(AgentWasAssigned), typeof(AgentReplyPosted),
                    typeof(SystemMessagePosted), typeof(ConversationWasClosed), typeof(PlatformCloseArrivedEarly), typeof(DeliveryStatusRecorded),
                ]);
                opts.Projections.Add<ConversationStateProjection>(ProjectionLifecycle.Live);
                opts.Projections.Add<ConversationViewProjection>(ProjectionLifecycle.Inline);
            })
            .UseLightweightSessions()
            .AddAsyncDaemon(DaemonMode.HotCold)
            .AddSubscriptionWithServices<IntegrationEventPublisher>(ServiceLifetime.Singleton);

        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("postgres", tags: ["ready"]);
        return builder;
    }

    private sealed class DatabaseHealthCheck(IDocumentStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            try
            {
                await using var session = store.QuerySession();
                await session.QueryAsync<int>("select 1", ct);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e)
            {
                return HealthCheckResult.Unhealthy("PostgreSQL is unreachable", e);
            }
        }
    }
}
