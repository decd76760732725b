namespace Archeio.Configuration;

/// <summary>
/// Somewhere a rule may send a blob request once it is known to hold the blob: a <see cref="MirrorSettings">mirror</see>,
/// the <see cref="UpstreamCandidate">upstream</see> or the <see cref="SignatureUpstreamCandidate">signature upstream</see>
/// (the names <c>upstream</c> and <c>signature-upstream</c> in a rule's list). Each is asked with a HEAD of
/// <see cref="CheckUrl"/>; which redirect the holder gets is the router's business (Routing/Router.cs).
/// </summary>
/// <param name="Name">The name rules use, and the label of its checks in logs and metrics.</param>
/// <param name="Index">Position in <see cref="ArcheioSettings.Candidates"/> (mirrors first, in <c>Archeio:Mirrors</c> order): the
/// candidate's identity in the blob cache, the breakers and the counters.</param>
internal abstract record Candidate(string Name, int Index)
{
    /// <summary>True when answers depend on the repository as well as the digest (registries scope blobs by repository).</summary>
    public abstract bool IsRepositoryScoped { get; }

    /// <summary>Scheme and authority of <see cref="CheckUrl"/>, for logs.</summary>
    public abstract string Host { get; }

    /// <summary>The URL whose HEAD says whether the candidate holds a blob; <paramref name="name"/> and <paramref name="digest"/> must already be validated.</summary>
    public abstract string CheckUrl(string name, string digest);
}

/// <summary>
/// An upstream registry checked like a mirror: HEAD <c>&lt;Endpoint&gt;/v2/&lt;Path&gt;/&lt;name&gt;/blobs/&lt;digest&gt;</c>
/// (distribution-spec, "Checking if content exists in the registry":
/// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#checking-if-content-exists-in-the-registry).
/// </summary>
internal sealed record UpstreamCandidate(UpstreamSettings Upstream, int Index) : Candidate(NameOf("upstream", Upstream), Index)
{
    public override bool IsRepositoryScoped => true;

    public override string Host => Upstream.Host;

    public override string CheckUrl(string name, string digest) => string.Concat(Upstream.Prefix, name, "/blobs/", digest);

    /// <summary><c>upstream</c> for <c>Archeio:Upstream</c>, <c>upstream:&lt;name&gt;</c> for a named one.</summary>
    internal static string NameOf(string kind, UpstreamSettings upstream) => upstream.Name == UpstreamSettings.DefaultName ? kind : kind + ":" + upstream.Name;
}

/// <summary>An upstream's signature endpoint (<see cref="UpstreamSettings.SignatureEndpoint"/>) checked like a mirror.</summary>
internal sealed record SignatureUpstreamCandidate : Candidate
{
    public SignatureUpstreamCandidate(UpstreamSettings upstream, int index)
        : base(UpstreamCandidate.NameOf("signature-upstream", upstream), index)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        Prefix = upstream.SignaturePrefix ?? throw new ArgumentException("the upstream has no signature endpoint", nameof(upstream));
        Host = upstream.SignatureHost!;
        Upstream = upstream;
    }

    public UpstreamSettings Upstream { get; }

    /// <summary>The signature endpoint's <c>&lt;SignatureEndpoint&gt;/v2/&lt;SignaturePath&gt;/</c>.</summary>
    public string Prefix { get; }

    public override bool IsRepositoryScoped => true;

    public override string Host { get; }

    public override string CheckUrl(string name, string digest) => string.Concat(Prefix, name, "/blobs/", digest);
}
