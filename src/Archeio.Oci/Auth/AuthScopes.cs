namespace Archeio.Oci.Auth;

/// <summary>
/// The bearer scopes a registry reader asks for (https://distribution.github.io/distribution/spec/auth/scope/),
/// and how a request names its scope to <see cref="RegistryAuthHandler"/>.
/// </summary>
internal static class AuthScopes
{
    /// <summary>The scope for <c>GET /v2/_catalog</c>.</summary>
    public const string Catalog = "registry:catalog:*";

    /// <summary>The request option that carries a request's scope; tokens are cached under it.</summary>
    public static readonly HttpRequestOptionsKey<string> Key = new("Archeio.Oci.Auth.Scope");

    /// <summary>The scope for reading repository <paramref name="name"/>.</summary>
    public static string Pull(string name) => $"repository:{name}:pull";
}
