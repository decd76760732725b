using System.Net;

namespace Archeio.Clients;

/// <summary>The resolved client address, or why it could not be resolved.</summary>
internal readonly record struct ClientAddress(IPAddress? Address, string? Error)
{
    public static ClientAddress Of(IPAddress address) => new(address, null);

    public static ClientAddress Failed(string error) => new(null, error);
}
