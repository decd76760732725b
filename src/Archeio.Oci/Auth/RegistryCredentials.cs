namespace Archeio.Oci.Auth;

/// <summary>
/// A user name and password (or token) for the source registry. They go to the token realm when the
/// registry asks for a bearer token, or straight to the registry when it asks for basic auth.
/// See https://distribution.github.io/distribution/spec/auth/token/.
/// </summary>
internal sealed record RegistryCredentials(string Username, string Password);
