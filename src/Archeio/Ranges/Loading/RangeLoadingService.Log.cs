namespace Archeio.Ranges.Loading;

/// <summary>The log events of <see cref="RangeLoadingService"/> (ids 10–20, 26–27; tests and operators' alerts match on them).</summary>
internal sealed partial class RangeLoadingService
{
    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Loaded {Count} prefixes for {Cloud} from {Source}")]
    private static partial void LogLoaded(ILogger logger, string cloud, string source, int count);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Could not load the {Cloud} ranges from {Source}: {Error}. Starting with that cloud unknown to routing (next attempt in {Interval}){Readiness}.")]
    private static partial void LogUrlFailed(ILogger logger, string cloud, string source, string error, TimeSpan interval, string readiness);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "IP range table built: {Count} prefixes ({Sources}) in {Milliseconds:F1} ms")]
    private static partial void LogBuilt(ILogger logger, int count, string sources, double milliseconds);

    [LoggerMessage(EventId = 13, Level = LogLevel.Debug, Message = "The {Cloud} ranges at {Source} are unchanged")]
    private static partial void LogUnchanged(ILogger logger, string cloud, string source);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Could not refresh the {Cloud} ranges from {Source}: {Error}. Keeping the previous data ({Count} prefixes, of {DataTime:u}).")]
    private static partial void LogRefreshFailed(ILogger logger, string cloud, string source, string error, int count, DateTimeOffset? dataTime);

    [LoggerMessage(EventId = 15, Level = LogLevel.Error, Message = "Could not load the {Cloud} ranges from {Source}: {Error}. That cloud stays unknown to routing until a refresh succeeds.")]
    private static partial void LogStillNoData(ILogger logger, string cloud, string source, string error);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "Loaded {Count} prefixes for {Cloud} from the cached copy {Path} (fetched {FetchedAt:u}); checking {Source} for a newer one")]
    private static partial void LogCacheLoaded(ILogger logger, string cloud, int count, string path, DateTimeOffset fetchedAt, string source);

    [LoggerMessage(EventId = 17, Level = LogLevel.Warning, Message = "Ignoring the cached {Cloud} ranges {Path}: {Error}")]
    private static partial void LogCacheIgnored(ILogger logger, string cloud, string path, string error);

    [LoggerMessage(EventId = 18, Level = LogLevel.Warning, Message = "Could not write the range cache {Path}: {Error}. A restart cannot start from it.")]
    private static partial void LogCacheWriteFailed(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Read the {Cloud} prefixes from the snapshot {Path} instead of parsing the JSON")]
    private static partial void LogSnapshotRead(ILogger logger, string cloud, string path);

    [LoggerMessage(EventId = 19, Level = LogLevel.Error, Message = "A range refresh failed unexpectedly; the current table is kept and the next refresh runs as planned")]
    private static partial void LogRefreshCrashed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 26, Level = LogLevel.Information, Message = "Loaded {Count} prefixes for {Cloud} from the baked copy {Path} (fetched {FetchedAt:u}); checking {Source} for a newer one")]
    private static partial void LogBakedLoaded(ILogger logger, string cloud, int count, string path, DateTimeOffset fetchedAt, string source);

    [LoggerMessage(EventId = 27, Level = LogLevel.Warning, Message = "The baked range directory {Directory} has no copy of the {Cloud} ranges from {Source} (baked for other range sources?); that cloud waits for the fetch")]
    private static partial void LogBakedMissing(ILogger logger, string cloud, string source, string directory);
}
