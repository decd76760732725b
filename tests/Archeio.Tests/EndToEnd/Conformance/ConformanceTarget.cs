namespace Archeio.Tests.EndToEnd.Conformance;

/// <summary>
/// What the suite runs against: a base URL and the repository names there. The same images have different names
/// on the two targets (the upstream holds them under Archeio's <c>Upstream:Path</c>), so a check can tell whose
/// answer it got.
/// </summary>
/// <param name="Id">The test's and the table's name for it.</param>
/// <param name="BaseUri">Where requests go: <c>http://127.0.0.1:port</c>.</param>
/// <param name="RepositoryPrefix">Prefix of every repository on this target.</param>
internal sealed record ConformanceTarget(string Id, Uri BaseUri, string RepositoryPrefix)
{
    public const string RegistryId = "registry";
    public const string ArcheioId = "archeio";

    /// <summary>The repository that holds <paramref name="image"/> (or would) on this target.</summary>
    public string Repository(string image) => RepositoryPrefix + "/" + image;

    public Uri Url(string pathAndQuery) => new(BaseUri, pathAndQuery);
}
