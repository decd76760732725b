namespace Archeio.Oci.Auth;

/// <summary>A bearer token and when to stop using it.</summary>
internal sealed record CachedToken(string Token, DateTimeOffset ExpiresAt);
