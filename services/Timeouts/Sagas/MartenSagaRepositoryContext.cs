using Handoff.Timeouts.Scheduling;
using Marten;
using MassTransit;
using MassTransit.Context;
using MassTransit.Middleware;
using MassTransit.Saga;

namespace Handoff.Timeouts.Sagas;

public sealed class MartenSagaRepositoryContext<TSaga, TMessage>(
    IDocumentSession session, ConsumeContext<TMessage> context, ISagaConsumeContextFactory<IDocumentSession, TSaga> factory) :
    ConsumeContextScope<TMessage>(context, session),
    SagaRepositoryContext<TSaga, TMessage>
    where TSaga : class, ISaga
    where TMessage : class
{
    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> consumeContext, TSaga instance, SagaConsumeContextMode mode)
        where T : class =>
        factory.CreateSagaConsumeContext(session, consumeContext, instance, mode);

    public Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance) =>
        factory.CreateSagaConsumeContext(session, this, instance, SagaConsumeContextMode.Add);

    public async Task<SagaConsumeContext<TSaga, TMessage>> Insert(TSaga instance)
    {
        try
        {
            session.Insert(instance);
            await session.SaveChangesAsync(CancellationToken);
            return await factory.CreateSagaConsumeContext(session, this, instance, SagaConsumeContextMode.Insert);
        }
        catch (JasperFx.DocumentAlreadyExistsException)
        {
            // Another message created it first: MassTransit then loads it instead.
            session.Eject(instance);
            return null!;
        }
    }

    public async Task<SagaConsumeContext<TSaga, TMessage>> Load(Guid correlationId)
    {
        var instance = await session.LoadAsync<TSaga>(correlationId, CancellationToken);
        return instance is null
            ? null!
            : await factory.CreateSagaConsumeContext(session, this, instance, SagaConsumeContextMode.Load);
    }

    // Insert, not Store: two first events of one conversation race to create it, and the loser must fail and retry.
    public Task Save(SagaConsumeContext<TSaga> context)
    {
        session.Insert(context.Saga);
        return Commit();
    }

    // The version read by Load is checked here: a concurrent update makes this throw, and the message is retried.
    public Task Update(SagaConsumeContext<TSaga> context)
    {
        session.Update(context.Saga);
        return Commit();
    }

    public Task Delete(SagaConsumeContext<TSaga> context)
    {
        session.Delete(context.Saga);
        return Commit();
    }

    public Task Discard(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    // The timers and sends the saga decided commit with it, in one transaction (see PendingSchedule).
    private async Task Commit()
    {
        var pending = this.TryGetPayload<PendingSchedule>(out var p) ? p : null;
        pending?.Enlist(session);
        await session.SaveChangesAsync(CancellationToken);
        pending?.Committed();
    }

    public Task Undo(SagaConsumeContext<TSaga> context)
    {
        session.Eject(context.Saga);
        return Task.CompletedTask;
    }
}

public sealed class MartenSagaQueryContext<TSaga>(IQuerySession session, CancellationToken cancellationToken) :
    BasePipeContext(cancellationToken),
    LoadSagaRepositoryContext<TSaga>,
    QuerySagaRepositoryContext<TSaga>
    where TSaga : class, ISaga
{
    public Task<TSaga> Load(Guid correlationId) => session.LoadAsync<TSaga>(correlationId, CancellationToken)!;

    public async Task<SagaRepositoryQueryContext<TSaga>> Query(ISagaQuery<TSaga> query, CancellationToken cancellationToken = default)
    {
        var ids = await session.Query<TSaga>().Where(query.FilterExpression).Select(x => x.CorrelationId).ToListAsync(cancellationToken);
        return new DefaultSagaRepositoryQueryContext<TSaga>(this, ids.ToList());
    }
}
