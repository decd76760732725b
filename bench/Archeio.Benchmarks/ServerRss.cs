using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;

namespace Archeio.Benchmarks;

/// <summary>
/// <c>server-rss</c>: the real server process (the Release build of src/Archeio) checks a stream of distinct
/// digests against a mirror hosted here (HEAD answers 200 at once); the resident set of the server is read
/// from /proc at every tenth of the way, to show that it plateaus once the blob cache reaches its bound.
/// </summary>
internal static class ServerRss
{
    public static async Task<int> RunAsync(string[] args)
    {
        var requests = Option(args, "--requests", 2_000_000);
        var maxEntries = Option(args, "--max-entries", 1_000_000);
        var concurrency = Option(args, "--concurrency", 64);
        var dll = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Archeio", "bin", "Release", "net10.0", "Archeio.dll"));
        if (!File.Exists(dll))
        {
            await Console.Error.WriteLineAsync($"build the server first: dotnet build -c Release src/Archeio ({dll} is missing)");
            return 2;
        }

        // The mirror: every HEAD answers 200 at once.
        await using var mirror = await BenchServers.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
        var mirrorUrl = BenchServers.Address(mirror);
        var config = Path.Combine(Path.GetTempPath(), $"archeio-rss-{Environment.ProcessId}.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Archeio": {
                "InfoUrl": "https://info.example/", "PrivacyUrl": "https://info.example/privacy",
                "Upstream": { "Endpoint": "https://upstream.example" },
                "Mirrors": [ { "Name": "m", "BlobUrl": "{{mirrorUrl}}/containers/images/{digest}" } ],
                "Rules": [ { "Match": {}, "Mirrors": [ "m" ] } ],
                "BlobCheck": { "MaxEntries": {{maxEntries}} } } }
            """);
        var port = BenchServers.FreePort();
        var info = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, UseShellExecute = false };
        info.Environment["ARCHEIO_CONFIG"] = config;
        info.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        // The access log would cost more than what is measured here.
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        using var server = Process.Start(info)!;
        // Drain its (warnings-only) output so that a full pipe never blocks it.
        server.OutputDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        try
        {
            await BenchServers.WaitListeningAsync(port);
            Console.WriteLine($"server pid {server.Id}, start RSS {Rss(server.Id):F1} MiB; {requests:N0} distinct digests, bound {maxEntries:N0}, {concurrency} clients");
            Console.WriteLine();
            Console.WriteLine("| digests checked | server RSS (MiB) | requests/s in this tenth |");
            Console.WriteLine("| ---: | ---: | ---: |");
            using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = concurrency })
            {
                BaseAddress = new Uri("http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture)),
            };
            var step = requests / 10;
            for (var tenth = 0; tenth < 10; tenth++)
            {
                var started = Stopwatch.GetTimestamp();
                await Parallel.ForEachAsync(
                    Enumerable.Range(tenth * step, step),
                    new ParallelOptions { MaxDegreeOfParallelism = concurrency },
                    async (i, ct) =>
                    {
                        using var response = await http.GetAsync("/v2/bench/blobs/sha256:" + i.ToString("x64", CultureInfo.InvariantCulture), ct);
                        if (response.StatusCode != HttpStatusCode.TemporaryRedirect)
                        {
                            throw new InvalidOperationException($"unexpected {(int)response.StatusCode}");
                        }
                    });
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                Console.WriteLine($"| {(tenth + 1) * step:N0} | {Rss(server.Id):F1} | {step / seconds:N0} |");
            }
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            File.Delete(config);
        }

        return 0;
    }

    private static double Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
