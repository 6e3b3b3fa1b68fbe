using DotNet.Testcontainers.Builders;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace Handoff.Testing;

/// <summary>
/// The real RabbitMQ and PostgreSQL the tests run against. <c>./dev test</c> starts local servers and
/// names them in HANDOFF_TEST_*; without those, containers are started when a Docker engine answers.
/// </summary>
public sealed record TestInfrastructure(Uri RabbitMq, Uri RabbitMqManagement, string Postgres)
{
    private static readonly Lazy<Task<TestInfrastructure>> Shared = new(StartAsync);

    public static Task<TestInfrastructure> GetAsync() => Shared.Value;

    private static async Task<TestInfrastructure> StartAsync()
    {
        var rabbit = Environment.GetEnvironmentVariable("HANDOFF_TEST_RABBITMQ");
        var management = Environment.GetEnvironmentVariable("HANDOFF_TEST_RABBITMQ_MANAGEMENT");
        var postgres = Environment.GetEnvironmentVariable("HANDOFF_TEST_POSTGRES");
        if (!string.IsNullOrEmpty(rabbit) && !string.IsNullOrEmpty(postgres))
            return new(new Uri(rabbit), new Uri(management ?? "http://guest:guest@127.0.0.1:15672/"), postgres);

        try
        {
            var rabbitContainer = new RabbitMqBuilder("rabbitmq:3.13-management")
                .WithUsername("guest").WithPassword("guest").WithPortBinding(15672, true).Build();
            var postgresContainer = new PostgreSqlBuilder("postgres:15").Build();
            await Task.WhenAll(rabbitContainer.StartAsync(), postgresContainer.StartAsync());
            var managementUri = new UriBuilder("http", rabbitContainer.Hostname, rabbitContainer.GetMappedPublicPort(15672))
                { UserName = "guest", Password = "guest" }.Uri;
            return new(new Uri(rabbitContainer.GetConnectionString()), managementUri, postgresContainer.GetConnectionString());
        }
        catch (DockerUnavailableException e)
        {
            throw new InvalidOperationException(
                "No RabbitMQ/PostgreSQL for the tests: run them through ./dev test, or set HANDOFF_TEST_RABBITMQ, " +
                "HANDOFF_TEST_RABBITMQ_MANAGEMENT and HANDOFF_TEST_POSTGRES, or start a Docker engine.", e);
        }
    }
}
