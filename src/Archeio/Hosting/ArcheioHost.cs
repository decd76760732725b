using Archeio.Blobs;
using Archeio.Clients;
using Archeio.Configuration;
using Archeio.Geo;
using Archeio.Ranges;
using Archeio.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Archeio.Hosting;

/// <summary>Builds and runs the server: configuration, services, Kestrel limits, the single endpoint.</summary>
internal static partial class ArcheioHost
{
    /// <summary>In-flight requests get this long to finish after SIGTERM/SIGINT.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A client that has not sent its headers within this time is cut off (slowloris).</summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(2);

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

        WebApplication app;
        try
        {
            app = Build(commandLine.ConfigFile, Environment.GetEnvironmentVariables());
            // Resolve the settings and open the databases now, so that every configuration error is reported
            // before anything starts.
            app.Services.GetRequiredService<ArcheioSettings>();
            app.Services.GetRequiredService<GeoLookup>();
        }
        catch (Exception ex) when (ex is InvalidConfigurationException or InvalidDataException or FormatException)
        {
            await Console.Error.WriteLineAsync("archeio: " + ex.Message);
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

    public static WebApplication Build(string? configFile, System.Collections.IDictionary environment)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddArcheioSources(configFile, environment);

        ConfigureLogging(builder.Logging, builder.Configuration.GetSection("Logging"));
        ConfigureServices(builder.Services, builder.Configuration);
        builder.WebHost.ConfigureKestrel((context, kestrel) => ConfigureKestrel(kestrel));

        var app = builder.Build();
        var handler = app.Services.GetRequiredService<RegistryHandler>();
        app.Run(handler.InvokeAsync);
        return app;
    }

    internal static void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => ArcheioSettingsReader.ReadOrThrow(configuration));
        services.AddSingleton(sp => new ClientIpResolver(sp.GetRequiredService<ArcheioSettings>().ClientIp));
        services.AddSingleton<Router>();
        services.AddSingleton(sp => sp.GetRequiredService<ArcheioSettings>().Geo);
        services.AddSingleton<GeoLookup>();
        services.AddSingleton<IpRangeTableHolder>();
        services.AddSingleton<RangeStatus>();
        services.AddSingleton<BlobCheckCounters>();
        services.AddSingleton<BlobChecker>();
        services.AddSingleton<IBlobPresence>(sp => sp.GetRequiredService<BlobChecker>());
        services.AddSingleton<IBlobResultStore>(sp => sp.GetRequiredService<ArcheioSettings>().BlobCheck.Redis is { } redis
            ? new RedisBlobResultStore(redis, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RedisBlobResultStore>>())
            : NullBlobResultStore.Instance);
        services.AddSingleton<RegistryHandler>();
        RangeLoadingService.AddTo(services);
        InventoryRefreshService.AddTo(services);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);

        BlobChecker.AddHttpClient(services);
    }

    private static void ConfigureLogging(ILoggingBuilder logging, IConfigurationSection configuration)
    {
        logging.ClearProviders();
        logging.AddConfiguration(configuration);
        // One JSON object per line: the access log is structured (Method, Path, Status, ...).
        logging.AddJsonConsole(o =>
        {
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
    }

    private static void ConfigureKestrel(KestrelServerOptions kestrel)
    {
        var settings = kestrel.ApplicationServices.GetRequiredService<ArcheioSettings>();
        kestrel.ListenAnyIP(settings.Port);
        kestrel.AddServerHeader = false;
        var limits = kestrel.Limits;
        // A redirect service reads no bodies and needs only small headers (registry bearer tokens
        // are the largest thing a pull sends).
        limits.MaxRequestBodySize = 0;
        limits.MaxRequestHeadersTotalSize = 16 * 1024;
        limits.MaxRequestHeaderCount = 64;
        limits.MaxRequestLineSize = 8 * 1024;
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
    }
}
