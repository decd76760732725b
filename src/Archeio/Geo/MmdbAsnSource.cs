using System.Net;

namespace Archeio.Geo;

/// <summary>ASNs from a GeoLite2-ASN compatible MMDB (<c>autonomous_system_number</c>).</summary>
internal sealed class MmdbAsnSource(MmdbDatabase database) : IAsnSource
{
    public MmdbDatabase Database { get; } = database;

    public uint? Find(IPAddress address) => Database.Find<MmdbAsnRecord>(address)?.Number;

    public void Dispose() => Database.Dispose();
}
