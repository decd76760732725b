using System.Collections.Concurrent;

namespace Archeio.TestBed;

/// <summary>
/// The parsed access log of one peer, appended to as lines arrive. Tests take a <see cref="Mark"/>
/// before an action and read <see cref="Since"/> after it, so that each assertion sees only its own requests.
/// </summary>
internal sealed class AccessLog(string backend)
{
    private readonly ConcurrentQueue<AccessLogEntry> _entries = new();

    public string Backend { get; } = backend;

    public int Mark() => _entries.Count;

    public IReadOnlyList<AccessLogEntry> Since(int mark) => [.. _entries.Skip(mark)];

    public IReadOnlyList<AccessLogEntry> All => [.. _entries];

    public void Add(string method, string path, int status)
    {
        var query = path.IndexOf('?', StringComparison.Ordinal);
        _entries.Enqueue(new AccessLogEntry(Backend, method, query < 0 ? path : path[..query], status));
    }
}
