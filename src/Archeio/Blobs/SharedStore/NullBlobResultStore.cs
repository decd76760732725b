using Archeio.Configuration;

namespace Archeio.Blobs.SharedStore;

/// <summary>The store when no Redis is configured: nothing is shared, every replica checks for itself.</summary>
internal sealed class NullBlobResultStore : IBlobResultStore
{
    public static readonly NullBlobResultStore Instance = new();

    public ValueTask<BlobAnswer?> TryGetAsync(Candidate mirror, string digest, CancellationToken cancellationToken) => ValueTask.FromResult<BlobAnswer?>(null);

    public void Set(Candidate mirror, string digest, bool present, TimeSpan ttl, long size = -1)
    {
    }
}
