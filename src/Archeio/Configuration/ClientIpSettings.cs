using System.Collections.Immutable;
using System.Net;

namespace Archeio.Configuration;

/// <summary>How the client address is found; see <see cref="Clients.ClientIpResolver"/>.</summary>
/// <param name="ForwardedForSkip">How many <c>X-Forwarded-For</c> entries, from the right, belong to trusted proxies.</param>
/// <param name="TrustedNetworks">Peers whose <c>X-Forwarded-For</c> is honoured; empty means every peer.</param>
internal sealed record ClientIpSettings(int ForwardedForSkip, ImmutableArray<IPNetwork> TrustedNetworks)
{
    /// <summary>One trusted proxy: the Google Cloud load balancer of the registry.k8s.io deployment.</summary>
    public const int DefaultForwardedForSkip = 1;

    public static ClientIpSettings Read(SettingsSection section)
    {
        section.CheckKnownKeys(nameof(ForwardedForSkip), nameof(TrustedNetworks));
        var skip = section.Int(nameof(ForwardedForSkip), DefaultForwardedForSkip, 0, 32);
        return new ClientIpSettings(skip, section.Cidrs(nameof(TrustedNetworks)));
    }
}
