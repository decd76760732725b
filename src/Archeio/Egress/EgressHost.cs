using System.Collections.Immutable;
using System.Globalization;
using Archeio.Configuration;

namespace Archeio.Egress;

/// <summary>One host a client may be sent to, as <c>host:port</c>, and every reason it is in the list.</summary>
/// <param name="HostPort">Lower-case host (IPv6 in brackets) and port, in the form of <see cref="UpstreamSettings.RedirectHosts"/>.</param>
/// <param name="Reasons">What sends clients there, e.g. <c>mirror s3: blobs</c>; a firewall team asks why as often as what.</param>
internal sealed record EgressHost(string HostPort, ImmutableArray<string> Reasons)
{
    /// <summary>
    /// <c>host:port</c> of an absolute URL, the port always written (443 for https, 80 for http, as <see cref="Uri"/>
    /// defaults it): a firewall rule needs the port, and "host" alone would leave a reader to guess the scheme.
    /// </summary>
    public static string Of(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return string.Create(CultureInfo.InvariantCulture, $"{url.Host.ToLowerInvariant()}:{url.Port}");
    }

    /// <summary>
    /// <c>host:port</c> of a mirror's URL template: its placeholders filled with a sample, as
    /// <see cref="MirrorSettings.Host"/> does (the configuration checks that <c>{digest}</c> is in the path or query).
    /// </summary>
    public static string OfTemplate(string template)
        => Of(new Uri(template
            .Replace(MirrorSettings.DigestPlaceholder, "d", StringComparison.Ordinal)
            .Replace(MirrorSettings.NamePlaceholder, "n", StringComparison.Ordinal)));
}
