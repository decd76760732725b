using Archeio.Configuration;

namespace Archeio.Blobs;

/// <summary>Answers whether a mirror holds a blob. Implementations may cache; a failure counts as absent.</summary>
internal interface IBlobPresence
{
    ValueTask<bool> ExistsAsync(MirrorSettings mirror, string digest, CancellationToken cancellationToken);
}
