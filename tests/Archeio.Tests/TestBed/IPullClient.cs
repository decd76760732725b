
namespace Archeio.Tests.TestBed;

/// <summary>
/// A real registry client pulling over plain HTTP from loopback and following redirects to other loopback
/// ports. Every pull starts from empty client-side storage, so it downloads every blob it needs.
/// </summary>
internal interface IPullClient : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Pulls <paramref name="reference"/> (<c>host:port/repository:tag</c> or <c>host:port/repository@sha256:…</c>); throws when the client fails.</summary>
    Task<PulledImage> PullAsync(string reference, CancellationToken cancellationToken);

    /// <summary>Frees what earlier pulls stored (every pull starts empty anyway).</summary>
    Task ResetAsync();
}
