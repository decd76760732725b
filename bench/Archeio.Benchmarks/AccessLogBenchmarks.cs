using Archeio.Logging;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Archeio.Benchmarks;

/// <summary>
/// One access-log line, as the request's thread pays for it: the console logger with its JSON formatter (what the
/// server used before Logging/AccessLog.cs: the line formatted on the caller's thread, then queued to the logger's
/// own thread), against <see cref="AccessLog"/> (formatted to UTF-8 into a pooled buffer, queued to
/// <see cref="LogOutput"/>). Both write to a null output, so only the formatting and queueing are measured here; the
/// writing to a file is in bench/http.sh's default-configuration rows (docs/performance.md, "The access log").
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public partial class AccessLogBenchmarks : IDisposable
{
    private ServiceProvider? _services;
    private ILogger? _console;
    private LogOutput? _output;
    private AccessLog? _accessLog;
    private TextWriter? _stdout;

    [GlobalSetup]
    public void Setup()
    {
        // The console logger takes Console.Out when it starts: a null one, so that BenchmarkDotNet's output stays clean.
        _stdout = Console.Out;
        Console.SetOut(TextWriter.Null);
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            logging.AddConsole(o => o.FormatterName = ConsoleFormatterNames.Json);
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        });
        _services = services.BuildServiceProvider();
        _console = _services.GetRequiredService<ILoggerFactory>().CreateLogger(AccessLog.Category);
        _output = new LogOutput(Stream.Null, TimeProvider.System, capacityBytes: 256 * 1024 * 1024);
        _accessLog = new AccessLog(_output, json: true, enabled: true, TimeProvider.System);
    }

    [Benchmark(Baseline = true, Description = "console logger, JSON formatter")]
    public void ConsoleLogger()
        => LogAccess(_console!, "GET", "/v2/pause/blobs/sha256:da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43e", 307, "203.0.113.7", "AWS", "eu-west-3",
            "mirror:aws-eu-west-3", "prod-registry-k8s-io-eu-west-3.s3.dualstack.eu-west-3.amazonaws.com", 0.153);

    [Benchmark(Description = "AccessLog (UTF-8, pooled, LogOutput)")]
    public void AccessLogWriter()
        => _accessLog!.Write(new AccessEntry(
            "GET", "/v2/pause/blobs/sha256:da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43e", 307, "203.0.113.7", "AWS", "eu-west-3",
            "mirror:aws-eu-west-3", "prod-registry-k8s-io-eu-west-3.s3.dualstack.eu-west-3.amazonaws.com", 0.153));

    [GlobalCleanup]
    public void Dispose()
    {
        _services?.Dispose();
        _output?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_stdout is not null)
        {
            Console.SetOut(_stdout);
        }

        GC.SuppressFinalize(this);
    }

    [LoggerMessage(EventId = 1, EventName = "Access", Level = LogLevel.Information,
        Message = "{Method} {Path} {Status} client={ClientIp} cloud={Cloud} region={Region} decision={Decision} target={TargetHost} {DurationMs:F3}ms")]
    private static partial void LogAccess(
        ILogger logger, string method, string path, int status, string clientIp, string cloud, string region, string decision, string targetHost, double durationMs);
}
