using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Handoff.ServiceDefaults;

public static class Messaging
{
    /// <summary>
    /// RabbitMQ from <c>ConnectionStrings:RabbitMq</c> (an amqp:// URI, virtual host in its path).
    /// Publisher confirms stay on: a send completes only once the broker has the message.
    /// With <c>RabbitMq:QuorumQueues</c> true, every queue this service consumes from, and its _error and _skipped
    /// queues, is declared as a quorum queue.
    /// </summary>
    /// <param name="consumes">False for a service that only sends (the Gateway): it has no messages in hand to stop for.</param>
    public static IHostApplicationBuilder AddHandoffMessaging(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator> configure,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureBus = null,
        bool consumes = true)
    {
        var uri = RabbitMqUri(builder.Configuration);
        var quorumQueues = builder.Configuration.GetValue<bool>(QuorumQueuesKey);
        builder.Services.AddHealthChecks().AddBroker(uri, builder.Environment.ApplicationName);
        if (consumes)
            builder.StopConsumersGracefully();
        builder.Services.AddMassTransit(x =>
        {
            configure(x);
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(uri, h =>
                {
                    h.PublisherConfirmation = true;
                    h.RequestedConnectionTimeout(TimeSpan.FromSeconds(5));
                });
                if (quorumQueues)
                    cfg.UseQuorumQueues();
                if (consumes)
                    cfg.ConnectEndpointConfigurationObserver(
                        new ReturnToQueueWhileStopping(context.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping));
                configureBus?.Invoke(context, cfg);
                cfg.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    public const string QuorumQueuesKey = "RabbitMq:QuorumQueues";

    /// <summary>How long a stopping service lets the messages in hand finish (k8s' grace period must be longer).</summary>
    public const string ConsumerStopTimeoutKey = "Messaging:ConsumerStopTimeout";

    // Without a ConsumerStopTimeout, MassTransit cancels every message in hand the moment the bus stops (SIGTERM, a
    // rolling update): the work in hand is abandoned half done and its message handed back. With it, consumers get to
    // finish first, and the host must wait for the bus before it disposes what consumers use (connection pools, the
    // document store): a shorter host stop (k8s' shutdownTimeoutSeconds) is refused at start rather than overridden.
    private static void StopConsumersGracefully(this IHostApplicationBuilder builder)
    {
        var consumers = builder.Configuration.GetValue(ConsumerStopTimeoutKey, TimeSpan.FromSeconds(15));
        var bus = consumers + TimeSpan.FromSeconds(5);
        builder.Services.Configure<MassTransitHostOptions>(o => (o.ConsumerStopTimeout, o.StopTimeout) = (consumers, bus));
        builder.Services.AddOptions<HostOptions>()
            .Validate(o => o.ShutdownTimeout >= bus + TimeSpan.FromSeconds(5),
                $"The host's shutdown timeout (shutdownTimeoutSeconds) must be at least {ConsumerStopTimeoutKey} ({consumers.TotalSeconds:0} s) plus 10 s, so that the messages in hand can finish")
            .ValidateOnStart();
    }

    // A queue's type is fixed when it is first declared, and every later declaration must name the same type or the
    // broker closes the channel. Senders to a queue: address (the Gateway's commands, the Timeouts scheduler) declare
    // the queue too, with no type: on a cluster the virtual host's default queue type must therefore be quorum as well
    // (deploy/k8s/README.md), so their declarations match.
    private static void UseQuorumQueues(this IRabbitMqBusFactoryConfigurator bus)
    {
        bus.ConnectEndpointConfigurationObserver(new QuorumQueueObserver());
        bus.SendTopology.ConfigureErrorSettings = settings => settings.SetQuorumQueue();
        bus.SendTopology.ConfigureDeadLetterSettings = settings => settings.SetQuorumQueue();
    }

    private sealed class QuorumQueueObserver : IEndpointConfigurationObserver
    {
        public void EndpointConfigured<T>(T configurator) where T : IReceiveEndpointConfigurator
        {
            // Quorum queues are always durable; a temporary (auto-delete) endpoint stays classic.
            if (configurator is IRabbitMqReceiveEndpointConfigurator rabbitMq && !IsTemporary(configurator.InputAddress))
                rabbitMq.SetQuorumQueue();
        }

        private static bool IsTemporary(Uri address) =>
            address.Query.Contains("temporary=true", StringComparison.OrdinalIgnoreCase)
            || address.Query.Contains("autodelete=true", StringComparison.OrdinalIgnoreCase)
            || address.Query.Contains("durable=false", StringComparison.OrdinalIgnoreCase);
    }

    private sealed class ReturnToQueueWhileStopping(CancellationToken stopping) : IEndpointConfigurationObserver
    {
        public void EndpointConfigured<T>(T configurator) where T : IReceiveEndpointConfigurator
        {
            configurator.ConfigureError(error => error.UseFilter(new ReturnWhileStoppingFilter(stopping)));
            configurator.ConfigureDefaultErrorTransport();
        }
    }

    /// <summary>
    /// A message whose handling failed because the service is stopping is returned to its queue (the transport negative-
    /// acknowledges it with requeue) for this or another instance to handle again, rather than moved to _error. MassTransit
    /// does that itself for a cancelled handling, but a handling cut off by the teardown fails otherwise: seen, a retry
    /// that met the disposed connection pool (ObjectDisposedException) and took a Timeouts handoff to _error, so that
    /// conversation never closed. Any other failure, stopping or not, still goes to _error. Consumers are idempotent.
    /// </summary>
    private sealed class ReturnWhileStoppingFilter(CancellationToken stopping) : IFilter<ExceptionReceiveContext>
    {
        public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
        {
            if (stopping.IsCancellationRequested && CausedByTheStop(context.Exception))
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(context.Exception);
            return next.Send(context);
        }

        private static bool CausedByTheStop(Exception? exception) =>
            exception is not null
            && (exception is OperationCanceledException or ObjectDisposedException
                || CausedByTheStop(exception.InnerException)
                || (exception is AggregateException all && all.InnerExceptions.Any(CausedByTheStop)));

        public void Probe(ProbeContext context) => context.CreateFilterScope("returnWhileStopping");
    }

    public static Uri RabbitMqUri(IConfiguration configuration)
    {
        var raw = configuration.GetConnectionString("RabbitMq") ?? "amqp://guest:guest@127.0.0.1:5672/";
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || (uri.Scheme != "amqp" && uri.Scheme != "amqps" && uri.Scheme != "rabbitmq"))
            throw new InvalidOperationException("ConnectionStrings:RabbitMq must be an amqp:// URI, e.g. amqp://guest:guest@127.0.0.1:5672/");
        return uri;
    }
}
