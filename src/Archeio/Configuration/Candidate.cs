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

    /// <summary>
    /// Where the candidate's answers are kept apart (cache, coalescing, inventory): its <see cref="Index"/> for its
    /// blobs; the <see cref="ManifestView"/> of a candidate has a slot of its own, after every candidate's index.
    /// </summary>
    public virtual int Slot => Index;

    /// <summary>True when the candidate holds manifests by digest (upstreams; mirrors with a <c>ManifestUrl</c>).</summary>
    public virtual bool HoldsManifests => false;

    /// <summary>The candidate's manifest store's URL for a manifest by digest, or null when it holds no manifests.</summary>
    public virtual string? ManifestUrlFor(string name, string digest) => null;
}

/// <summary>
/// A candidate asked for a manifest by digest instead of a blob (distribution-spec, "Pulling manifests": a manifest
/// by digest is content-addressed like a blob, so a mirror may serve it). It shares its store's <see cref="Candidate.Index"/>
/// (breaker, rotation, metrics: the same host) and has its own <see cref="Slot"/> (answers, inventory). Its check is a
/// HEAD of <see cref="Store"/>'s manifest URL, with the <c>Accept</c> of every manifest media type.
/// </summary>
internal sealed record ManifestView(Candidate Store, int ManifestSlot) : Candidate(Store.Name, Store.Index)
{
    public override int Slot => ManifestSlot;

    public override bool IsRepositoryScoped => Store.IsRepositoryScoped;

    public override string Host => Store.Host;

    public override string CheckUrl(string name, string digest)
        => Store.ManifestUrlFor(name, digest) ?? throw new InvalidOperationException($"{Store.Name} holds no manifests");
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

    public override bool HoldsManifests => true;

    public override string ManifestUrlFor(string name, string digest) => string.Concat(Upstream.Prefix, name, "/manifests/", digest);

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

    public override bool HoldsManifests => true;

    public override string ManifestUrlFor(string name, string digest) => string.Concat(Prefix, name, "/manifests/", digest);
}
