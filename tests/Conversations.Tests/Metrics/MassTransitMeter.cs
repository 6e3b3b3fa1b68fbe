using System.Runtime.CompilerServices;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Conversations.Tests.Metrics;

/// <summary>
/// MassTransit keeps one meter per process, made by the IMeterFactory of the first bus, and it dies with that bus's
/// host. Tests host many services one after another in this process, so the first bus is made here, by a container
/// that lives as long as the process: every hosted service's /metrics then shows MassTransit's instruments.
/// </summary>
internal static class MassTransitMeter
{
    private static IServiceProvider? _keeper;

#pragma warning disable CA2255 // a test assembly's set-up, not a library's
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void MadeByALongLivedContainer()
    {
        _keeper = new ServiceCollection().AddMetrics().AddMassTransit(x => x.UsingInMemory()).BuildServiceProvider();
        _ = _keeper.GetRequiredService<IBusControl>();
    }
}
