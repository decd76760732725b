namespace Archeio.Signing;

/// <summary>
/// A signing key read from a file and read again when the file changes, so that a key is rotated without a restart
/// (a Kubernetes Secret mounted as a volume is updated in place). The file's time and length are looked at, at most
/// once per <see cref="CheckInterval"/>, by the request that finds the interval over; a file that no longer parses is
/// reported and the last good key kept. The key's bytes are never logged, only the path.
/// </summary>
internal sealed partial class KeyFile<T>
    where T : class
{
    /// <summary>How stale a rotated key may be: the old key goes on signing for at most this long.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(10);

    private readonly string _path;
    private readonly Func<byte[], T> _parse;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _reading = new();
    private volatile T _current;
    private (DateTime Written, long Length) _stamp;
    private long _nextCheck;

    /// <summary>Reads the key now; a file that does not parse throws (the settings reader has already said why).</summary>
    public KeyFile(string path, Func<byte[], T> parse, TimeProvider time, ILogger logger)
    {
        _path = path;
        _parse = parse;
        _time = time;
        _logger = logger;
        _stamp = Stamp();
        _current = parse(File.ReadAllBytes(path));
        _nextCheck = time.GetTimestamp() + Ticks(CheckInterval);
    }

    public T Current
    {
        get
        {
            if (_time.GetTimestamp() >= Volatile.Read(ref _nextCheck) && _reading.TryEnter())
            {
                try
                {
                    Reload();
                }
                finally
                {
                    _reading.Exit();
                }
            }

            return _current;
        }
    }

    private void Reload()
    {
        Volatile.Write(ref _nextCheck, _time.GetTimestamp() + Ticks(CheckInterval));
        try
        {
            var stamp = Stamp();
            if (stamp == _stamp)
            {
                return;
            }

            // Taken before parsing: a bad file is reported once, not at every check, and read again once it changes.
            _stamp = stamp;
            _current = _parse(File.ReadAllBytes(_path));
            LogReloaded(_logger, _path);
        }
#pragma warning disable CA1031 // A bad new key file must not fail requests: the last good key goes on signing, and the log says why.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogReloadFailed(_logger, _path, e.GetType().Name);
        }
    }

    private (DateTime, long) Stamp()
    {
        var info = new FileInfo(_path);
        return (info.LastWriteTimeUtc, info.Length);
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Signing key file {Path} changed: the new key signs from now on")]
    private static partial void LogReloaded(ILogger logger, string path);

    // The exception's type only: a parser's message could quote the file's bytes.
    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Signing key file {Path} changed but cannot be used ({Error}): the last good key goes on signing")]
    private static partial void LogReloadFailed(ILogger logger, string path, string error);
}
