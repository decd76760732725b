using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Archeio.Benchmarks;

/// <summary>
/// <c>dashboard-traffic --out dir [--seconds n]</c>: starts the real server (Release build) with the real cloud
/// range files and three mirrors hosted here (one answering at once, one slow, one failing so that its breaker
/// opens), sends a scripted mix of registry requests from client addresses in AWS, GCP, Azure and no cloud, and
/// saves two scrapes of <c>/metrics</c> (before and after the traffic) for scripts/render-dashboard.sh.
/// </summary>
internal static class DashboardTraffic
{
    /// <summary>Client addresses and where the real range files put them.</summary>
    private static readonly string[] Clients =
    [
        "35.180.1.1",    // AWS eu-west-3
        "3.80.0.1",      // AWS us-east-1
        "52.95.110.1",   // AWS GLOBAL
        "34.80.0.1",     // GCP asia-east1
        "35.185.0.1",    // GCP us-east1
        "20.36.0.1",     // Azure westus2
        "193.0.6.139",   // no cloud (RIPE NCC)
        "81.2.69.160",   // no cloud
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var output = Option(args, "--out") ?? throw new ArgumentException("--out <directory>");
        var seconds = int.Parse(Option(args, "--seconds") ?? "20", CultureInfo.InvariantCulture);
        var ranges = Option(args, "--ranges") ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "data", "cloud-ranges"));
        var dll = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Archeio", "bin", "Release", "net10.0", "Archeio.dll"));
        if (!File.Exists(dll) || !Directory.Exists(ranges))
        {
            await Console.Error.WriteLineAsync($"needs {dll} (dotnet build -c Release src/Archeio) and the range files in {ranges}");
            return 2;
        }

        Directory.CreateDirectory(output);
        await using var fast = await StartMirrorAsync(TimeSpan.Zero, failing: false);
        await using var slow = await StartMirrorAsync(TimeSpan.FromMilliseconds(20), failing: false);
        await using var flaky = await StartMirrorAsync(TimeSpan.Zero, failing: true);
        var config = Path.Combine(Path.GetTempPath(), $"archeio-dashboard-{Environment.ProcessId}.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Archeio": {
                "InfoUrl": "https://info.example/", "PrivacyUrl": "https://info.example/privacy",
                "Upstream": { "Endpoint": "https://registry.example", "Path": "project", "SignatureEndpoint": "https://signatures.example", "PricePerGiB": 0.12 },
                "RangesDirectory": "{{ranges}}",
                "Mirrors": [
                  { "Name": "s3-eu", "PricePerGiB": 0.09, "BlobUrl": "{{BenchServers.Address(fast)}}/containers/images/{digest}" },
                  { "Name": "gcs-us", "PricePerGiB": 0.12, "BlobUrl": "{{BenchServers.Address(slow)}}/containers/images/{digest}" },
                  { "Name": "azure-blob", "PricePerGiB": 0.087, "BlobUrl": "{{BenchServers.Address(flaky)}}/containers/images/{digest}" } ],
                "Rules": [
                  { "Match": { "Cloud": "AWS" }, "Mirrors": [ "s3-eu" ] },
                  { "Match": { "Cloud": "GCP" }, "Mirrors": [ "gcs-us", "s3-eu" ] },
                  { "Match": { "Cloud": "Azure" }, "Mirrors": [ "azure-blob", "s3-eu" ] },
                  { "Match": {}, "Mirrors": [ "s3-eu" ], "Split": [ { "Mirror": "gcs-us", "Percent": 25 } ] } ],
                "BlobCheck": { "Timeout": "00:00:01" } } }
            """);
        var port = BenchServers.FreePort();
        var metricsPort = BenchServers.FreePort();
        var info = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, UseShellExecute = false };
        info.Environment["ARCHEIO_CONFIG"] = config;
        info.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        info.Environment["Archeio__Metrics__Port"] = metricsPort.ToString(CultureInfo.InvariantCulture);
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        using var server = Process.Start(info)!;
        server.OutputDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = 16 })
        {
            BaseAddress = new Uri("http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture)),
        };
        var metrics = new Uri($"http://127.0.0.1:{metricsPort}/metrics");
        try
        {
            await WaitReadyAsync(http, new Uri($"http://127.0.0.1:{metricsPort}/readyz"));
            await File.WriteAllTextAsync(Path.Combine(output, "scrape-1.txt"), await http.GetStringAsync(metrics));
            var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            var sent = 0;
            await Parallel.ForEachAsync(Enumerable.Range(0, 16), async (worker, ct) =>
            {
                var random = new Random(worker);
                while (Stopwatch.GetTimestamp() < until)
                {
                    using var request = Next(random);
                    request.Headers.TryAddWithoutValidation("X-Forwarded-For", Clients[random.Next(Clients.Length)] + ", 10.0.0.1");
                    using var response = await http.SendAsync(request, ct);
                    Interlocked.Increment(ref sent);
                }
            });
            await File.WriteAllTextAsync(Path.Combine(output, "scrape-2.txt"), await http.GetStringAsync(metrics));
            Console.WriteLine($"{sent:N0} requests in {seconds} s; scrapes in {output}/scrape-1.txt and scrape-2.txt");
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            File.Delete(config);
        }

        return 0;
    }

    /// <summary>The mix: 60% blobs (a pool of 3,000 digests, so both cache hits and misses), 25% manifests, the rest tags, referrers, errors.</summary>
    private static HttpRequestMessage Next(Random random)
    {
        var roll = random.Next(100);
        var digest = Digest(random.Next(3000));
        return roll switch
        {
            < 58 => new HttpRequestMessage(HttpMethod.Get, $"/v2/pause/blobs/{digest}"),
            < 60 => new HttpRequestMessage(HttpMethod.Head, $"/v2/pause/blobs/{digest}"),
            < 83 => new HttpRequestMessage(HttpMethod.Get, "/v2/pause/manifests/3.10"),
            < 85 => new HttpRequestMessage(HttpMethod.Get, $"/v2/pause/manifests/sha256-{digest[7..]}.sig"),
            < 91 => new HttpRequestMessage(HttpMethod.Get, "/v2/pause/tags/list"),
            < 94 => new HttpRequestMessage(HttpMethod.Get, $"/v2/pause/referrers/{digest}"),
            < 97 => new HttpRequestMessage(HttpMethod.Get, "/v2/_catalog"),
            < 98 => new HttpRequestMessage(HttpMethod.Get, "/v2/pause/blobs/sha256:nothex"),
            < 99 => new HttpRequestMessage(HttpMethod.Post, "/v2/pause/blobs/uploads/"),
            _ => new HttpRequestMessage(HttpMethod.Get, "/"),
        };
    }

    private static string Digest(int i) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(i.ToString(CultureInfo.InvariantCulture))));

    /// <summary>A mirror: one blob in ten is absent; present ones have a size derived from the digest (1 KiB to 64 MiB).</summary>
    private static Task<WebApplication> StartMirrorAsync(TimeSpan delay, bool failing) => BenchServers.StartAsync(async context =>
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay);
        }

        var hash = SHA256.HashData(Encoding.ASCII.GetBytes(context.Request.Path.Value ?? ""));
        context.Response.StatusCode = failing ? StatusCodes.Status503ServiceUnavailable : hash[0] % 10 == 0 ? StatusCodes.Status404NotFound : StatusCodes.Status200OK;
        if (context.Response.StatusCode == StatusCodes.Status200OK)
        {
            context.Response.ContentLength = 1024 + (BitConverter.ToUInt32(hash, 1) % (64 << 20));
        }
    });

    private static async Task WaitReadyAsync(HttpClient http, Uri ready)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            try
            {
                using var response = await http.GetAsync(ready);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the server did not get ready");
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
