using Handoff.Timeouts.Scheduling;
using Marten;
using MassTransit;
using MassTransit.Saga;

namespace Handoff.Timeouts.Sagas;

/// <summary>
/// MassTransit's saga repository on Marten (MassTransit.Marten is not available for 8.5): one lightweight session
/// per message, and the saga document versioned so two handlers of one saga cannot both win.
/// </summary>
public sealed class MartenSagaRepositoryContextFactory<TSaga>(IDocumentStore store, ISagaConsumeContextFactory<IDocumentSession, TSaga> factory) :
    ISagaRepositoryContextFactory<TSaga>,
    ILoadSagaRepositoryContextFactory<TSaga>,
    IQuerySagaRepositoryContextFactory<TSaga>
    where TSaga : class, ISaga
{
    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next) where T : class
    {
        // A retry decides again from the saga as stored: what a failed attempt scheduled is forgotten with it.
        if (context.TryGetPayload<PendingSchedule>(out var pending))
            pending.Clear();
        await using var session = store.LightweightSession();
        await next.Send(new MartenSagaRepositoryContext<TSaga, T>(session, context, factory));
    }

    public async Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class
    {
        if (context.TryGetPayload<PendingSchedule>(out var pending))
            pending.Clear();
        await using var session = store.LightweightSession();
        var instances = await session.Query<TSaga>().Where(query.FilterExpression).ToListAsync(context.CancellationToken);
        var repositoryContext = new MartenSagaRepositoryContext<TSaga, T>(session, context, factory);
        await next.Send(new LoadedSagaRepositoryQueryContext<TSaga, T>(repositoryContext, instances));
    }

    public async Task<T> Execute<T>(Func<LoadSagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class
    {
        await using var session = store.QuerySession();
        return await asyncMethod(new MartenSagaQueryContext<TSaga>(session, cancellationToken));
    }

    public async Task<T> Execute<T>(Func<QuerySagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class
    {
        await using var session = store.QuerySession();
        return await asyncMethod(new MartenSagaQueryContext<TSaga>(session, cancellationToken));
    }

    public void Probe(ProbeContext context) => context.Add("persistence", "marten");
}
