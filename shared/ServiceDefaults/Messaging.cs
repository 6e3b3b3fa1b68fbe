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
    /// </summary>
    public static IHostApplicationBuilder AddHandoffMessaging(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator> configure,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureBus = null)
    {
        var uri = RabbitMqUri(builder.Configuration);
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
                configureBus?.Invoke(context, cfg);
                cfg.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    public static Uri RabbitMqUri(IConfiguration configuration)
    {
        var raw = configuration.GetConnectionString("RabbitMq") ?? "amqp://guest:guest@127.0.0.1:5672/";
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || (uri.Scheme != "amqp" && uri.Scheme != "amqps" && uri.Scheme != "rabbitmq"))
            throw new InvalidOperationException("ConnectionStrings:RabbitMq must be an amqp:// URI, e.g. amqp://guest:guest@127.0.0.1:5672/");
        return uri;
    }
}
