using Archeio.Configuration;

namespace Archeio.Ranges;

/// <summary>
/// Loads every configured range source before the server starts listening (hosted services start
/// before Kestrel). A file that cannot be read or parsed is a configuration error and stops start-up;
/// a URL that cannot be fetched (no network, provider down) is logged and its cloud stays unknown,
/// so that a provider outage never keeps the service down.
/// </summary>
internal sealed partial class RangeLoadingService(
    ArcheioSettings settings,
    IpRangeTableHolder holder,
    IHttpClientFactory httpClientFactory,
    TimeProvider time,
    ILogger<RangeLoadingService> logger) : IHostedService
{
    public const string HttpClientName = "ranges";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var sources = settings.Ranges;
        var http = httpClientFactory.CreateClient(HttpClientName);
        var results = await Task.WhenAll(sources.Select(s => LoadSourceAsync(s, http, settings.RangesRefresh.FetchTimeout, time, cancellationToken)));
        var errors = new List<ConfigurationError>();
        var prefixes = new List<CloudPrefix>();
        for (var i = 0; i < sources.Length; i++)
        {
            var (loaded, error) = results[i];
            if (loaded is not null)
            {
                prefixes.AddRange(loaded);
                LogLoaded(logger, sources[i].Cloud, sources[i].Source, loaded.Count);
            }
            else if (sources[i].IsUrl)
            {
                LogUrlFailed(logger, sources[i].Cloud, sources[i].Source, error!);
            }
            else
            {
                errors.Add(new ConfigurationError($"{ArcheioSettingsReader.SectionName}:Ranges", $"{sources[i].Cloud} source '{sources[i].Source}': {error}"));
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidConfigurationException(errors);
        }

        var started = time.GetTimestamp();
        var table = IpRangeTable.Build(prefixes);
        holder.Replace(table);
        LogBuilt(logger, table.Count, time.GetElapsedTime(started).TotalMilliseconds);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Reads and parses one source: a file, or a URL fetched within <paramref name="timeout"/>. Never throws for a bad source.</summary>
    internal static async Task<(IReadOnlyList<CloudPrefix>? Prefixes, string? Error)> LoadSourceAsync(
        RangeSourceSettings source, HttpClient http, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            if (!source.IsUrl)
            {
                await using var file = File.OpenRead(source.Source);
                return (RangeParser.Parse(source.Format, file, source.Cloud), null);
            }

            using var limit = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, cancellationToken);
            await using var body = await http.GetStreamAsync(new Uri(source.Source), linked.Token);
            using var buffer = new MemoryStream();
            await body.CopyToAsync(buffer, linked.Token);
            buffer.Position = 0;
            return (RangeParser.Parse(source.Format, buffer, source.Cloud), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"timed out after {timeout}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException or RangeFormatException)
        {
            return (null, ex.Message);
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Loaded {Count} prefixes for {Cloud} from {Source}")]
    private static partial void LogLoaded(ILogger logger, string cloud, string source, int count);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Could not load the {Cloud} ranges from {Source}: {Error}. Starting with that cloud unknown to routing.")]
    private static partial void LogUrlFailed(ILogger logger, string cloud, string source, string error);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "IP range table built: {Count} prefixes in {Milliseconds:F1} ms")]
    private static partial void LogBuilt(ILogger logger, int count, double milliseconds);
}
