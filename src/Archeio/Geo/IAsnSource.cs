using System.Net;

namespace Archeio.Geo;

/// <summary>Address → autonomous system number, from an MMDB (<see cref="MmdbAsnSource"/>) or a CSV file (<see cref="AsnCsvTable"/>).</summary>
internal interface IAsnSource : IDisposable
{
    /// <summary>
    /// The AS number announcing or registered for <paramref name="address"/> (IPv4, or IPv6 that is not
    /// IPv4-mapped: the caller maps those), or null when the source has none.
    /// </summary>
    uint? Find(IPAddress address);
}
