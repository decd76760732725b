using System.Collections.Concurrent;
using Archeio.Blobs;
using Archeio.Blobs.SharedStore;
using Archeio.Configuration;

namespace Archeio.Tests.Support;

/// <summary>A shared result store in memory, standing in for Redis in unit tests.</summary>
internal sealed class MemoryResultStore : IBlobResultStore
{
    private readonly ConcurrentDictionary<(string, string), (bool Present, TimeSpan Ttl, long Size)> _entries = new();

    public ValueTask<BlobAnswer?> TryGetAsync(Candidate mirror, string digest, CancellationToken cancellationToken)
        => ValueTask.FromResult(_entries.TryGetValue((mirror.Name, digest), out var e) ? new BlobAnswer(e.Present, e.Size) : (BlobAnswer?)null);

    public void Set(Candidate mirror, string digest, bool present, TimeSpan ttl, long size = -1) => _entries[(mirror.Name, digest)] = (present, ttl, size);

    public long? SizeOf(Candidate mirror, string digest) => _entries.TryGetValue((mirror.Name, digest), out var e) ? e.Size : null;

    public bool? Get(Candidate mirror, string digest) => _entries.TryGetValue((mirror.Name, digest), out var e) ? e.Present : null;

    public TimeSpan? TtlOf(Candidate mirror, string digest) => _entries.TryGetValue((mirror.Name, digest), out var e) ? e.Ttl : null;
}
