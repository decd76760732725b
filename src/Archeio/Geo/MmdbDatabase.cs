using System.Net;
using System.Net.Sockets;
using MaxMind.Db;

namespace Archeio.Geo;

/// <summary>
/// One MaxMind DB (MMDB) file, memory-mapped: the operating system pages in only the parts of the
/// search tree and data section that lookups touch, and shares them between processes that map the
/// same file, instead of every replica holding a private copy on its heap.
/// Format: https://maxmind.github.io/MaxMind-DB/.
/// </summary>
internal sealed class MmdbDatabase : IDisposable
{
    private readonly Reader _reader;

    // An ip_version 4 database has no IPv6 tree. MaxMind.Db does not refuse an IPv6 address there: it
    // walks the IPv4 tree with the address's first 32 bits and answers for an unrelated IPv4 network
    // (2001:67c:2e8::1 came back as US from geo-whois-asn-country-ipv4.mmdb), so IPv6 lookups are not
    // made at all.
    private readonly bool _ipv4Only;

    private MmdbDatabase(string path, Reader reader)
    {
        Path = path;
        _reader = reader;
        _ipv4Only = reader.Metadata.IPVersion == 4;
    }

    public string Path { get; }

    /// <summary>The file's metadata (database type, build date, IP version), for the start-up log.</summary>
    public Metadata Metadata => _reader.Metadata;

    /// <summary>
    /// Maps <paramref name="path"/>; throws <see cref="InvalidDatabaseException"/> (or an I/O exception)
    /// when it is not an MMDB file, or when a probe lookup decoding <typeparamref name="TRecord"/> fails.
    /// </summary>
    public static MmdbDatabase Open<TRecord>(string path)
        where TRecord : class
    {
        var reader = new Reader(path, FileAccessMode.MemoryMapped);
        try
        {
            // The constructor reads only the metadata at the end of the file; a broken search tree or
            // data section would otherwise surface at the first client's lookup. One lookup per address
            // family walks the tree to a leaf and decodes a record, which catches a file truncated or
            // overwritten in the middle while keeping its tail.
            var database = new MmdbDatabase(path, reader);
            _ = database.Find<TRecord>(IPAddress.Parse("1.1.1.1"));
            _ = database.Find<TRecord>(IPAddress.Parse("2001:4860:4860::8888"));
            return database;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>The record of the network holding <paramref name="address"/> (IPv4 or non-mapped IPv6), or null.</summary>
    /// <exception cref="InvalidDatabaseException">The file is corrupt where this lookup went.</exception>
    public T? Find<T>(IPAddress address)
        where T : class
        => _ipv4Only && address.AddressFamily != AddressFamily.InterNetwork ? null : _reader.Find<T>(address);

    public void Dispose() => _reader.Dispose();
}
