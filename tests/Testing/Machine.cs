using System.Net;
using System.Net.Sockets;

namespace Handoff.Testing;

/// <summary>What the end-to-end tests and the benchmarks need of the machine they run on.</summary>
public static class Machine
{
    /// <summary>A TCP port on loopback that nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>This machine's RabbitMQ and PostgreSQL (as <c>./dev infra</c> starts them), unless the tests' variables name others.</summary>
    public static void UseLocalServersUnlessConfigured()
    {
        Default("HANDOFF_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672/");
        Default("HANDOFF_TEST_RABBITMQ_MANAGEMENT", "http://guest:guest@127.0.0.1:15672/");
        Default("HANDOFF_TEST_POSTGRES", "Host=127.0.0.1;Port=5432;Database=handoff_tests;Username=postgres;Password=postgres");
    }

    /// <summary>The 1, 5 and 15 minute load averages, for a benchmark's report: this machine is shared.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "?";

    public static string TotalMemory()
    {
        var line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:")) : null;
        return line is null ? "?" : $"{long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1_048_576.0:F1} GiB";
    }

    private static void Default(string name, string value)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))) Environment.SetEnvironmentVariable(name, value);
    }
}
