using System.Net;
using Archeio.Configuration;
using Microsoft.Extensions.Primitives;

namespace Archeio.Clients;

/// <summary>
/// Finds the client address behind a load balancer. Google Cloud's external HTTP(S) load balancer
/// appends <c>&lt;client-ip&gt;,&lt;load-balancer-ip&gt;</c> to whatever <c>X-Forwarded-For</c> the client
/// sent (https://cloud.google.com/load-balancing/docs/https#x-forwarded-for_header), so only entries
/// counted from the right can be trusted: the client is the entry <c>ForwardedForSkip</c> places from
/// the right. Entries further left are client-supplied and never read, let alone parsed.
/// </summary>
internal sealed class ClientIpResolver(ClientIpSettings settings)
{
    public ClientAddress Resolve(IPAddress? peer, StringValues forwardedFor)
    {
        peer = peer is null ? null : IpAddressParser.Normalize(peer);
        if (!HasContent(forwardedFor) || !IsTrusted(peer))
        {
            return peer is null ? ClientAddress.Failed("the connection has no peer IP address") : ClientAddress.Of(peer);
        }

        // All header lines count, in order, as one comma-separated list (RFC 9110 §5.3).
        var total = 0;
        foreach (var line in forwardedFor)
        {
            total += CountEntries(line);
        }

        var wanted = total - 1 - settings.ForwardedForSkip;
        if (wanted < 0)
        {
            return ClientAddress.Failed($"X-Forwarded-For has {total} entries; at least {settings.ForwardedForSkip + 1} are needed");
        }

        var entry = FindEntry(forwardedFor, wanted);
        return IpAddressParser.TryParse(entry.Trim(), out var client)
            ? ClientAddress.Of(client)
            : ClientAddress.Failed("the client entry of X-Forwarded-For is not an IP address");
    }

    private bool IsTrusted(IPAddress? peer)
    {
        if (settings.TrustedNetworks.IsEmpty)
        {
            return true;
        }

        if (peer is null)
        {
            return false;
        }

        foreach (var network in settings.TrustedNetworks)
        {
            if (network.Contains(peer))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasContent(StringValues values)
    {
        foreach (var value in values)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                return true;
            }
        }

        return false;
    }

    private static int CountEntries(string? line) => line is null ? 0 : line.AsSpan().Count(',') + 1;

    private static ReadOnlySpan<char> FindEntry(StringValues lines, int index)
    {
        foreach (var line in lines)
        {
            var count = CountEntries(line);
            if (index >= count)
            {
                index -= count;
                continue;
            }

            var rest = line.AsSpan();
            for (; index > 0; index--)
            {
                rest = rest[(rest.IndexOf(',') + 1)..];
            }

            var end = rest.IndexOf(',');
            return end < 0 ? rest : rest[..end];
        }

        return [];
    }
}
