using Archeio.Blobs;
using Archeio.Configuration;

namespace Archeio.Tests.Support;

/// <summary>A mirror state for HTTP-surface tests: which blob URLs exist.</summary>
internal sealed class FakeBlobPresence(params string[] presentUrls) : IBlobPresence
{
    private readonly HashSet<string> _present = new(presentUrls, StringComparer.Ordinal);

    public List<string> Checked { get; } = [];

    public ValueTask<bool> ExistsAsync(Candidate mirror, string name, string digest, CancellationToken cancellationToken)
    {
        var url = mirror.CheckUrl(name, digest);
        lock (Checked)
        {
            Checked.Add(url);
        }

        return ValueTask.FromResult(_present.Contains(url));
    }
}
