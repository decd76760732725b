using Archeio.Blobs.SharedStore;
using Archeio.Blobs;
using Archeio.Blobs.Inventory;
using Archeio.Blobs.Probes;
using Archeio.Clients;
using Archeio.Configuration;
using Archeio.Egress;
using Archeio.Geo;
using Archeio.Logging;
using Archeio.Metrics;
using Archeio.Proxying;
using Archeio.Ranges.Loading;
using Archeio.Ranges.Table;
using Archeio.RateLimiting;
using Archeio.Routing;
using Archeio.Signing;
using Archeio.Upstreams;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Console;

namespace Archeio.Hosting;

/// <summary>Builds and runs the server: configuration, services, Kestrel limits, the single endpoint.</summary>
internal static partial class ArcheioHost
{
    /// <summary>In-flight requests get this long to finish after SIGTERM/SIGINT, once the drain is over.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A client that has not sent its headers within this time of its request's first byte is cut off (slowloris).
    /// Kestrel checks on its 1 s heartbeat and allows one heartbeat of grace, so the cut comes 3 to 4 s after the
    /// first byte (measured: Security/SlowClientTests). A connection that sends nothing at all is held until the
    /// keep-alive timeout instead (<see cref="KeepAliveTimeout"/>).
    /// </summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long an idle keep-alive connection is kept. Longer than the 600 s for which a Google Cloud load balancer keeps
    /// its idle connections to a backend (fixed, https://cloud.google.com/load-balancing/docs/https#timeout-keepalive):
    /// with Kestrel's default of 130 s the backend would close connections the balancer is about to reuse, and the
    /// client gets a 502. The cost, for a port reachable without the balancer, is idle connections held longer (about
    /// 11 KB each, measured by Security/IdleConnectionTests): docs/security.md.
    /// </summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(620);

    public static async Task<int> RunAsync(string[] args)
    {
        var commandLine = CommandLine.Parse(args);
        if (commandLine.ShowHelp || commandLine.Error is not null)
        {
            var output = commandLine.Error is null ? Console.Out : Console.Error;
            if (commandLine.Error is not null)
            {
                await output.WriteLineAsync("archeio: " + commandLine.Error);
            }

            await output.WriteLineAsync(CommandLine.Usage);
            return commandLine.Error is null ? 0 : 2;
        }

        if (commandLine.Explain)
        {
            return await ExplainCommand.RunAsync(commandLine, Environment.GetEnvironmentVariables(), Console.Out, Console.Error);
        }

        if (commandLine.RangesFetch)
        {
            return await RangesFetchCommand.RunAsync(commandLine, Environment.GetEnvironmentVariables(), Console.Out, Console.Error, TimeProvider.System);
        }

        // Standard output is the log's from here on: the console logger takes Console.Out at its start (in Build),
        // so that its lines and the access log's go through one writer that never blocks (Logging/LogOutput.cs).
        await using var logOutput = new LogOutput(Console.OpenStandardOutput(), TimeProvider.System);
        Console.SetOut(new LogOutputWriter(logOutput));
        WebApplication app;
        try
        {
            app = Build(commandLine.ConfigFile, Environment.GetEnvironmentVariables(), logOutput);
            // Resolve the settings and open the databases now, so that every configuration error is reported
            // before anything starts.
            app.Services.GetRequiredService<ArcheioSettings>();
            app.Services.GetRequiredService<GeoLookup>();
        }
        catch (Exception ex) when (CommandSettings.IsConfigurationError(ex))
        {
            await Console.Error.WriteLineAsync("archeio: " + CommandSettings.ReasonOf(ex));
            return 2;
        }

        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (InvalidConfigurationException ex)
        {
            await Console.Error.WriteLineAsync("archeio: " + ex.Message);
            return 2;
        }
    }

    /// <param name="configFile">The configuration file, or null for the embedded default.</param>
    /// <param name="environment">The environment variables read as configuration.</param>
    /// <param name="output">The server's standard output (<see cref="RunAsync"/>); null: a test host's own, over the
    /// process's standard output, disposed with the host.</param>
    public static WebApplication Build(string? configFile, System.Collections.IDictionary environment, LogOutput? output = null)
    {
        // The default sources (appsettings*.json, replaced below) would watch the content root for changes, and a
        // file watcher on Linux walks every directory under it at start: 140 ms or more when the working directory
        // is large (measured with bench/coldstart.sh). Archeio reads no appsettings files, so nothing is watched.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddArcheioSources(configFile, environment);

        ConfigureLogging(builder.Logging, builder.Configuration.GetSection("Logging"));
        ConfigureServices(builder.Services, builder.Configuration);
        if (output is null)
        {
            builder.Services.AddSingleton(sp => new LogOutput(Console.OpenStandardOutput(), sp.GetRequiredService<TimeProvider>()));
        }
        else
        {
            builder.Services.AddSingleton(output);
        }

        builder.WebHost.ConfigureKestrel((context, kestrel) => ConfigureKestrel(kestrel));
        // The range files (or their snapshots) load on another core while the host and the pipeline below are put together.
        builder.Host.UseServiceProviderFactory(new RangesFirstServiceProviderFactory());

        var app = builder.Build();
        var handler = app.Services.GetRequiredService<RegistryHandler>();
        MetricsRegistration.Start(app.Services);
        OpsEndpoints.Map(app, app.Services.GetRequiredService<ArcheioSettings>().Metrics.Port);
        EgressEndpoint.Map(app);
        app.Run(handler.InvokeAsync);
        return app;
    }

    internal static void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => ArcheioSettingsReader.ReadOrThrow(configuration));
        AddRouting(services);
        services.AddSingleton<IBlobResultStore>(sp => sp.GetRequiredService<ArcheioSettings>().BlobCheck.Redis is { } redis
            ? new RedisBlobResultStore(redis, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RedisBlobResultStore>>())
            : NullBlobResultStore.Instance);
        services.AddSingleton<RangeStatus>();
        services.AddSingleton<RegistryHandler>();
        services.AddSingleton(sp => sp.GetRequiredService<IBlobResultStore>() is RedisBlobResultStore redis
            ? new RedisRateLimitStore(() => redis.Connection, sp.GetRequiredService<TimeProvider>())
            : null!);
        services.AddSingleton<ClientRateLimiter>();
        services.AddHttpForwarder();
        services.AddSingleton<ProxyForwarder>();
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<ArcheioSettings>();
            var enabled = sp.GetRequiredService<ILoggerFactory>().CreateLogger(AccessLog.Category).IsEnabled(LogLevel.Information);
            var json = FormatterFor(settings.Logging.Format, Console.IsOutputRedirected) == ConsoleFormatterNames.Json;
            return new AccessLog(sp.GetRequiredService<LogOutput>(), json, enabled, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<Readiness>();
        services.AddSingleton<OpsEndpoints>();
        EgressEndpoint.AddTo(services);
        MetricsRegistration.AddTo(services);
        RangeLoadingService.AddTo(services);
        InventoryRefreshService.AddTo(services);
        ProbeService.AddTo(services);
        UpstreamHealthService.AddTo(services);
        services.AddHostedService<DrainService>();
        // One instance the host starts (the test host replaces it with one that does not collect the test process).
        services.AddSingleton(sp => new StartupMemoryRelease(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StartupMemoryRelease>>()));
        services.AddHostedService(sp => sp.GetRequiredService<StartupMemoryRelease>());
        // The drain comes out of the host's shutdown time: in-flight requests still get theirs after it.
        services.AddOptions<HostOptions>().Configure<ArcheioSettings>((o, s) => o.ShutdownTimeout = ShutdownTimeout + s.Shutdown.Drain);
    }

    /// <summary>
    /// The <see cref="RequestRouter"/> and what it needs, for the server and <c>archeio explain</c> alike. The caller
    /// registers the <see cref="ArcheioSettings"/>, the <see cref="TimeProvider"/>, the <see cref="IBlobResultStore"/>
    /// and <see cref="MirrorInventories"/>, and fills the <see cref="IpRangeTableHolder"/>.
    /// </summary>
    internal static void AddRouting(IServiceCollection services)
    {
        services.AddSingleton(sp => new ClientIpResolver(sp.GetRequiredService<ArcheioSettings>().ClientIp));
        services.AddSingleton<Router>();
        services.AddSingleton(sp => sp.GetRequiredService<ArcheioSettings>().Geo);
        services.AddSingleton<GeoLookup>();
        services.AddSingleton<IpRangeTableHolder>();
        services.AddSingleton<BlobCheckCounters>();
        services.AddSingleton<MirrorSigners>();
        services.AddSingleton<BlobChecker>();
        services.AddSingleton<IBlobPresence>(sp => sp.GetRequiredService<BlobChecker>());
        services.AddSingleton<UpstreamHealthBoard>();
        services.AddSingleton<UpstreamQuotaBoard>();
        services.AddSingleton<RequestRouter>();
        BlobChecker.AddHttpClient(services);
    }

    private static void ConfigureLogging(ILoggingBuilder logging, IConfigurationSection configuration)
    {
        logging.ClearProviders();
        logging.AddConfiguration(configuration);
        logging.AddConsole();
        // JSON: one object per line, the access log structured (Method, Path, Status, ...), for collectors.
        logging.Services.Configure<JsonConsoleFormatterOptions>(o =>
        {
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        // Plain: one line per entry, for a person at a terminal.
        logging.Services.Configure<SimpleConsoleFormatterOptions>(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        // Archeio:Logging:Format chooses the formatter; it is read with the rest of the settings, once.
        logging.Services.AddOptions<ConsoleLoggerOptions>().Configure<ArcheioSettings>(
            (o, s) => o.FormatterName = FormatterFor(s.Logging.Format, Console.IsOutputRedirected));
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Its only entries are the request start and end lines (Information), which the access log replaces; while any
        // level is enabled it also opens a logging scope per request, about 1% of the CPU under load (perf).
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        // YARP's forwarder logs every forwarded request (Information) and each failure with its stack (Warning);
        // Proxying/ProxyForwarder.cs logs what a failure meant (events 100-103), once.
        logging.AddFilter("Yarp", LogLevel.Error);
    }

    /// <summary>The console formatter for <paramref name="format"/>: auto is plain text at a terminal, JSON when output goes to a pipe or file.</summary>
    internal static string FormatterFor(LogFormat format, bool outputRedirected) => format switch
    {
        LogFormat.Json => ConsoleFormatterNames.Json,
        LogFormat.Plain => ConsoleFormatterNames.Simple,
        _ => outputRedirected ? ConsoleFormatterNames.Json : ConsoleFormatterNames.Simple,
    };

    private static void ConfigureKestrel(KestrelServerOptions kestrel)
    {
        var settings = kestrel.ApplicationServices.GetRequiredService<ArcheioSettings>();
        kestrel.ListenAnyIP(settings.Port);
        // The operations port: metrics and probes, for the cluster's network only (OpsEndpoints).
        kestrel.ListenAnyIP(settings.Metrics.Port);
        kestrel.AddServerHeader = false;
        var limits = kestrel.Limits;
        // A redirect service reads no bodies and needs only small headers (registry bearer tokens
        // are the largest thing a pull sends).
        limits.MaxRequestBodySize = 0;
        limits.MaxRequestHeadersTotalSize = 16 * 1024;
        limits.MaxRequestHeaderCount = 64;
        limits.MaxRequestLineSize = 8 * 1024;
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        limits.KeepAliveTimeout = KeepAliveTimeout;
    }
}
