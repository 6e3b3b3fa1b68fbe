using Marten;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Timeouts.Sagas;

public static class MartenSagaRepositoryExtensions
{
    /// <summary>Stores <typeparamref name="TSaga"/> as a Marten document keyed by CorrelationId, with optimistic concurrency.</summary>
    public static ISagaRegistrationConfigurator<TSaga> MartenRepository<TSaga>(this ISagaRegistrationConfigurator<TSaga> configurator)
        where TSaga : class, ISaga
    {
        configurator.Repository(r =>
        {
            r.ConfigureMarten(options => options.Schema.For<TSaga>()
                .Identity(x => x.CorrelationId)
                .UseOptimisticConcurrency(true));
            r.RegisterSagaRepository<TSaga, IDocumentSession, SagaConsumeContextFactory<IDocumentSession, TSaga>, MartenSagaRepositoryContextFactory<TSaga>>();
            r.RegisterLoadSagaRepository<TSaga, MartenSagaRepositoryContextFactory<TSaga>>();
            r.RegisterQuerySagaRepository<TSaga, MartenSagaRepositoryContextFactory<TSaga>>();
        });
        return configurator;
    }
}
