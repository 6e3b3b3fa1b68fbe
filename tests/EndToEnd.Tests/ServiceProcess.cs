using Handoff.Testing;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Handoff.EndToEnd.Tests;

/// <summary>One Handoff service run as its own process from its build output, as in production.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    public string Name { get; }
    public Uri Url { get; }

    /// <summary>The settings it was started with, to start it again alike.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public string Output { get { lock (output) return output.ToString(); } }

    private ServiceProcess(string name, Uri url, IReadOnlyDictionary<string, string> environment, Process process)
    {
        Name = name;
        Url = url;
        Environment = environment;
        this.process = process;
    }

    /// <summary>Starts the service and waits until it is ready; on <paramref name="url"/> when given, else on a free port.</summary>
    public static async Task<ServiceProcess> StartAsync(string name, IDictionary<string, string> environment, Uri? url = null)
    {
        url ??= new Uri($"http://127.0.0.1:{Machine.FreePort()}");
        var dll = Dll(name);
        var start = new ProcessStartInfo("dotnet", dll)
        {
            // The content root, where appsettings.json is found, is the working directory.
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        start.Environment["ASPNETCORE_URLS"] = url.ToString();
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";

        var service = new ServiceProcess(name, url, new Dictionary<string, string>(environment), new Process { StartInfo = start });
        service.process.OutputDataReceived += (_, e) => service.Append(e.Data);
        service.process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        service.process.Start();
        service.process.BeginOutputReadLine();
        service.process.BeginErrorReadLine();
        await service.WaitUntilLiveAsync();
        return service;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (output) output.AppendLine(line);
    }

    private async Task WaitUntilLiveAsync()
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            await Eventually.True(async () =>
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"{Name} exited with {process.ExitCode}:\n{Output}");
                try
                {
                    return (await http.GetAsync("/health/ready")).IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(60), $"{Name} is ready");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{Output}", e);
        }
    }

    /// <summary>The service's dll, built beside this test assembly in the same configuration.</summary>
    private static string Dll(string name)
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        var root = testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(root, "services", name, "bin", configuration, framework, $"Handoff.{name}.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the solution first: {dll} is missing");
    }


    public bool HasExited => process.HasExited;

    /// <summary>
    /// Kills the process as a crash or an OOM kill would (SIGKILL): nothing in flight finishes, nothing is handed back.
    /// Its output stays readable. Safe to call again.
    /// </summary>
    public async Task KillAsync()
    {
        if (process.HasExited) return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>
    /// Stops the process where it stands (SIGSTOP), as a stalled node would: its connections stay open and whatever the
    /// broker delivered to it stays unacknowledged until <see cref="Resume"/>. Linux only.
    /// </summary>
    public void Suspend() => Signal("STOP");

    /// <summary>Lets a suspended process run on (SIGCONT).</summary>
    public void Resume() => Signal("CONT");

    private void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, process.Id.ToString()]) { UseShellExecute = false })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {Name} (pid {process.Id}) exited with {kill.ExitCode}");
    }

    private bool disposed;

    /// <summary>Kills the process; safe to call again (a test may kill a service its fixture also disposes).</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed) return;
        disposed = true;
        await KillAsync();
        process.Dispose();
    }
}
