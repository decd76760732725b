using System.Diagnostics;
using System.Net;
using Archeio.Configuration;
using Archeio.Routing;
using MaxMind.Db;

namespace Archeio.Geo;

/// <summary>
/// Country, continent and AS number of a client address, from the databases named by
/// <see cref="GeoSettings"/>. Opened once at start-up; lookups are thread-safe, do not block, and never
/// throw: anything a database does not know, or cannot answer, is left null in the <see cref="GeoFacts"/>.
/// </summary>
/// <remarks>
/// <para>
/// Country: an MMDB (https://maxmind.github.io/MaxMind-DB/), memory-mapped, in the GeoIP2/GeoLite2
/// layout (<c>country.iso_code</c>) or ip-location-db's (<c>country_code</c>); see
/// <see cref="MmdbCountryRecord"/>. The continent is derived from the country with
/// <see cref="ContinentTable"/>, not read from the database, so that it follows one convention
/// whichever database is configured (ip-location-db has no continent at all).
/// </para>
/// <para>
/// ASN: by file extension, a GeoLite2-ASN compatible MMDB (<c>.mmdb</c>, <see cref="MmdbAsnSource"/>) or
/// an ip-location-db <c>asn</c> CSV (<c>.csv</c>, <see cref="AsnCsvTable"/>), which npm ships instead of an
/// MMDB and which is loaded into memory.
/// </para>
/// <para>
/// IPv4-mapped IPv6 addresses are looked up as IPv4 (ip-location-db's MMDB has no <c>::ffff:0:0/96</c>
/// subtree, so the mapped form would find nothing), and addresses that are not globally reachable
/// (<see cref="NonPublicAddresses"/>) are unknown without a lookup.
/// </para>
/// </remarks>
internal sealed partial class GeoLookup : IDisposable
{
    /// <summary>Configuration key of the country database, as start-up errors name it.</summary>
    public const string CountryKey = "Archeio:Geo:CountryDatabase";

    /// <summary>Configuration key of the ASN database, as start-up errors name it.</summary>
    public const string AsnKey = "Archeio:Geo:AsnDatabase";

    private readonly ILogger<GeoLookup> _logger;
    private readonly MmdbDatabase? _country;
    private readonly IAsnSource? _asn;
    private readonly string? _asnPath;

    // A database that fails one lookup (corrupt in a part the start-up probe did not reach) is likely to
    // fail many: log the first failure of each, not one line per request.
    private int _countryFailureLogged;
    private int _asnFailureLogged;

    /// <summary>Opens the configured databases.</summary>
    /// <exception cref="InvalidConfigurationException">A database is missing, unreadable or not in a supported format; the message names the key and the file.</exception>
    public GeoLookup(GeoSettings settings, ILogger<GeoLookup> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
        try
        {
            if (settings.CountryDatabase is { } countryPath)
            {
                _country = OpenCountry(countryPath);
            }

            if (settings.AsnDatabase is { } asnPath)
            {
                _asn = OpenAsn(asnPath);
                _asnPath = asnPath;
            }
        }
        catch
        {
            _country?.Dispose();
            throw;
        }
    }

    /// <summary>Whether a country database is configured.</summary>
    public bool HasCountryDatabase => _country is not null;

    /// <summary>Whether an ASN database is configured.</summary>
    public bool HasAsnDatabase => _asn is not null;

    /// <summary>What the databases say about <paramref name="address"/>; <see cref="GeoFacts.Unknown"/> when nothing.</summary>
    public GeoFacts Lookup(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if ((_country is null && _asn is null) || NonPublicAddresses.Contains(address))
        {
            return GeoFacts.Unknown;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        string? country = null;
        string? continent = null;
        if (_country is not null && ContinentTable.TryGetCanonical(FindCountryCode(address), out var canonical, out var continentCode))
        {
            country = canonical;
            continent = continentCode;
        }

        var asn = _asn is null ? null : FindAsn(address);
        return country is null && asn is null ? GeoFacts.Unknown : new GeoFacts(country, continent, asn);
    }

    public void Dispose()
    {
        _country?.Dispose();
        _asn?.Dispose();
    }

    private string? FindCountryCode(IPAddress address)
    {
        try
        {
            return _country!.Find<MmdbCountryRecord>(address)?.CountryCode;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // MaxMind.Db reports a corrupt record as InvalidDatabaseException or DeserializationException,
            // but a damaged file can as well trip an index or cast check inside it; a lookup is never
            // worth failing a request over, whatever the reason.
            if (Interlocked.Exchange(ref _countryFailureLogged, 1) == 0)
            {
                LogLookupFailed(_logger, CountryKey, _country!.Path, $"{e.GetType().Name}: {e.Message}");
            }

            return null;
        }
    }

    private uint? FindAsn(IPAddress address)
    {
        try
        {
            return _asn!.Find(address);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (Interlocked.Exchange(ref _asnFailureLogged, 1) == 0)
            {
                LogLookupFailed(_logger, AsnKey, _asnPath!, $"{e.GetType().Name}: {e.Message}");
            }

            return null;
        }
    }

    private MmdbDatabase OpenCountry(string path)
    {
        var database = OpenMmdb<MmdbCountryRecord>(CountryKey, path);
        var metadata = database.Metadata;
        LogMmdbOpened(_logger, CountryKey, path, metadata.DatabaseType, metadata.IPVersion, metadata.BuildDate);
        return database;
    }

    private IAsnSource OpenAsn(string path)
    {
        var extension = Path.GetExtension(path);
        if (extension.Equals(".mmdb", StringComparison.OrdinalIgnoreCase))
        {
            var database = OpenMmdb<MmdbAsnRecord>(AsnKey, path);
            var metadata = database.Metadata;
            LogMmdbOpened(_logger, AsnKey, path, metadata.DatabaseType, metadata.IPVersion, metadata.BuildDate);
            return new MmdbAsnSource(database);
        }

        if (!extension.Equals(".csv", StringComparison.OrdinalIgnoreCase))
        {
            throw Error(AsnKey, path, "has neither the extension .mmdb (a GeoLite2-ASN compatible MaxMind DB) nor .csv (an ip-location-db asn CSV)");
        }

        var stopwatch = Stopwatch.StartNew();
        AsnCsvTable table;
        try
        {
            table = AsnCsvTable.Load(path);
        }
        catch (Exception e) when (e is InvalidDataException)
        {
            throw Error(AsnKey, path, $"is not a valid ip-location-db ASN CSV: {e.Message}");
        }
        catch (Exception e) when (IsFileError(e))
        {
            throw Error(AsnKey, path, Describe(e));
        }

        LogCsvLoaded(_logger, AsnKey, path, table.IPv4RangeCount, table.IPv6RangeCount, table.SizeInBytes / (1024 * 1024), stopwatch.ElapsedMilliseconds);
        return table;
    }

    private static MmdbDatabase OpenMmdb<TRecord>(string key, string path)
        where TRecord : class
    {
        try
        {
            return MmdbDatabase.Open<TRecord>(path);
        }
        catch (Exception e) when (e is InvalidDatabaseException or DeserializationException or InvalidDataException)
        {
            throw Error(key, path, $"is not a valid MaxMind DB (MMDB) file: {e.Message}");
        }
        catch (Exception e) when (IsFileError(e))
        {
            throw Error(key, path, Describe(e));
        }
    }

    // MemoryMappedFile refuses an empty file with an ArgumentException; the rest are the usual I/O failures.
    private static bool IsFileError(Exception e) => e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException;

    private static string Describe(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "does not exist",
        ArgumentException => $"is not a valid MaxMind DB (MMDB) file: {e.Message}",
        _ => $"cannot be read: {e.Message}",
    };

    private static InvalidConfigurationException Error(string key, string path, string problem)
        => new([new ConfigurationError(key, $"file '{path}' {problem}")]);

    [LoggerMessage(EventId = 60, Level = LogLevel.Information,
        Message = "{Key}: {Path} (MMDB, memory-mapped): type {DatabaseType}, IPv{IpVersion}, built {BuildDate:yyyy-MM-dd}")]
    private static partial void LogMmdbOpened(ILogger logger, string key, string path, string databaseType, int ipVersion, DateTime buildDate);

    [LoggerMessage(EventId = 61, Level = LogLevel.Information,
        Message = "{Key}: {Path} (CSV): {IPv4Ranges} IPv4 and {IPv6Ranges} IPv6 ranges, {MiB} MiB in memory, loaded in {ElapsedMs} ms")]
    private static partial void LogCsvLoaded(ILogger logger, string key, string path, int ipv4Ranges, int ipv6Ranges, long miB, long elapsedMs);

    [LoggerMessage(EventId = 62, Level = LogLevel.Error,
        Message = "{Key}: lookup in {Path} failed, answering unknown (logged once; the file may be corrupt): {Error}")]
    private static partial void LogLookupFailed(ILogger logger, string key, string path, string error);
}
