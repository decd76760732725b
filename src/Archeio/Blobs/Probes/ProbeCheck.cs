namespace Archeio.Blobs.Probes;

/// <summary>The requests of a probe, each the way registry clients fetch a blob (docs/request-handling.md, "Probes").</summary>
internal enum ProbeCheck
{
    /// <summary><c>HEAD</c>: 200 (what the blob checks send, and clients before a download).</summary>
    Head,

    /// <summary>
    /// <c>GET</c> with <c>Range: bytes=0-1023</c>: 206 with exactly those bytes, or 200 with the whole object. Clients
    /// resume a dropped download with a range (containerd; containers/image since 5.25, so podman, skopeo and
    /// cri-o), and a target that refuses ranges breaks them while a HEAD still says it is fine.
    /// </summary>
    Range,

    /// <summary>A whole <c>GET</c> (at most <c>Probes:MaxBytes</c>) whose bytes hash to the probe's digest.</summary>
    Content,
}

/// <summary>Names of <see cref="ProbeCheck"/> in logs, metrics and <c>explain</c>.</summary>
internal static class ProbeChecks
{
    public static string Label(this ProbeCheck check) => check switch
    {
        ProbeCheck.Head => "head",
        ProbeCheck.Range => "range",
        _ => "content",
    };
}
