using Archeio.Blobs;
using Archeio.Configuration;

namespace Archeio.Tests.Security;

/// <summary>
/// Mirror state for the in-process property: fixed answers per (candidate, digest), so that blob requests end at
/// every kind of target (each mirror, the upstream and signature upstream checked like mirrors, the fallback).
/// The pause layer is also answered as already known, so that the handler's synchronous path runs as well.
/// </summary>
internal sealed class OpenRedirectPresence : IBlobPresence
{
    public ValueTask<bool> ExistsAsync(Candidate mirror, string name, string digest, CancellationToken budget)
        => ValueTask.FromResult(Holds(mirror, digest));

    public bool TryGetKnown(Candidate mirror, string name, string digest, out bool present)
    {
        present = Holds(mirror, digest);
        return digest == RequestGen.KnownDigests[0];
    }

    private static bool Holds(Candidate mirror, string digest)
    {
        var known = Array.IndexOf(RequestGen.KnownDigests, digest);
        return known switch
        {
            0 => mirror is MirrorSettings && mirror.Name != "b",
            1 => mirror.Name == "b",
            2 => mirror is not MirrorSettings,
            _ => false,
        };
    }
}
