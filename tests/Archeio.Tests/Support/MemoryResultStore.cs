using System.Collections.Concurrent;
using Archeio.Blobs.SharedStore;
using Archeio.Configuration;

namespace Archeio.Tests.Support;

/// <summary>A shared result store in memory, standing in for Redis in unit tests.</summary>
internal sealed class MemoryResultStore : IBlobResultStore
{
    private readonly ConcurrentDictionary<(string, string), (bool Present, TimeSpan Ttl)> _entries = new();

    public ValueTask<bool?> TryGetAsync(Candidate mirror, string digest, CancellationToken cancellationToken)
        => ValueTask.FromResult(Get(mirror, digest));

    public void Set(Candidate mirror, string digest, bool present, TimeSpan ttl) => _entries[(mirror.Name, digest)] = (present, ttl);

    public bool? Get(Candidate mirror, string digest) => _entries.TryGetValue((mirror.Name, digest), out var e) ? e.Present : null;

    public TimeSpan? TtlOf(Candidate mirror, string digest) => _entries.TryGetValue((mirror.Name, digest), out var e) ? e.Ttl : null;
}
