using Archeio.TestBed;

namespace Archeio.Tests.TestBed;

/// <summary>What one pull ended with.</summary>
/// <param name="Client">The <see cref="IPullClient.Name"/> of the client.</param>
/// <param name="Reference">The reference pulled (<c>host:port/repository:tag</c> or <c>@sha256:…</c>).</param>
/// <param name="Digest">The top-level digest the client resolved the reference to (the index's for a multi-platform image).</param>
/// <param name="Output">The pull command and its output.</param>
internal sealed record PulledImage(string Client, string Reference, string Digest, CommandResult Output);
