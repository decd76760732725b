namespace Geranos.Tests.Security;

/// <summary>One request <see cref="HostileSource"/> received: method and raw request target.</summary>
internal sealed record HostileRequest(string Method, string Target);
