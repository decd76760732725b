using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Archeio.Ranges.Table;

namespace Archeio.Ranges.Parsing;

/// <summary>
/// Shared reading helpers for the provider parsers. They read through <see cref="JsonDocument"/>
/// (no reflection-based serialization, so the server stays AOT and trim safe) and turn every shape
/// error into a <see cref="RangeFormatException"/> whose message starts with the JSON path of the
/// offending value, e.g. <c>prefixes[12].ip_prefix: '1.2.3/24' is not a CIDR prefix</c>.
/// Paths are only formatted when an error is reported, so tens of thousands of entries do not
/// cost tens of thousands of path strings.
/// </summary>
internal static class RangeJson
{
    public static JsonDocument Parse(Stream utf8Json)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        try
        {
            // A body already in memory (the loader reads a range file whole) is parsed where it is: from a stream,
            // JsonDocument copies the whole JSON into a buffer rented from ArrayPool.Shared, which keeps it (1–2 MiB
            // per provider file) for the process's life once returned (dotnet-gcdump, docs/performance.md).
            return utf8Json is MemoryStream memory && memory.TryGetBuffer(out var bytes)
                ? JsonDocument.Parse(bytes.AsMemory((int)memory.Position))
                : JsonDocument.Parse(utf8Json);
        }
        catch (JsonException e)
        {
            throw new RangeFormatException($"not valid JSON: {e.Message}", e);
        }
    }

    public static JsonElement RootObject(JsonDocument document)
    {
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new RangeFormatException($"$: expected an object, found {Describe(root.ValueKind)}");
        }

        return root;
    }

    /// <summary>A required array property; <paramref name="path"/> is the full path of the property.</summary>
    public static JsonElement RequiredArray(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            throw new RangeFormatException($"{path}: required array is missing");
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new RangeFormatException($"{path}: expected an array, found {Describe(value.ValueKind)}");
        }

        return value;
    }

    /// <summary>A required object property of the object at <paramref name="at"/>.</summary>
    public static JsonElement RequiredObject(JsonElement parent, string name, JsonItemPath at)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            throw new RangeFormatException($"{at.Property(name)}: required object is missing");
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new RangeFormatException($"{at.Property(name)}: expected an object, found {Describe(value.ValueKind)}");
        }

        return value;
    }

    /// <summary>Checks that the array item at <paramref name="at"/> is an object.</summary>
    public static JsonElement ItemObject(JsonElement item, JsonItemPath at)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw new RangeFormatException($"{at}: expected an object, found {Describe(item.ValueKind)}");
        }

        return item;
    }

    /// <summary>Checks that the array item at <paramref name="at"/> is a string and returns it.</summary>
    public static string ItemString(JsonElement item, JsonItemPath at)
    {
        if (item.ValueKind != JsonValueKind.String)
        {
            throw new RangeFormatException($"{at}: expected a string, found {Describe(item.ValueKind)}");
        }

        return GetString(item, at, null);
    }

    /// <summary>A required string property (possibly empty) of the object at <paramref name="at"/>.</summary>
    public static string RequiredString(JsonElement parent, string name, JsonItemPath at) =>
        OptionalString(parent, name, at)
        ?? throw new RangeFormatException($"{at.Property(name)}: required string is missing");

    /// <summary>A string property that may be absent or JSON <c>null</c> (both give <see langword="null"/>).</summary>
    public static string? OptionalString(JsonElement parent, string name, JsonItemPath at)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new RangeFormatException($"{at.Property(name)}: expected a string, found {Describe(value.ValueKind)}");
        }

        return GetString(value, at, name);
    }

    /// <summary>
    /// Parses a CIDR prefix found at property <paramref name="field"/> of <paramref name="at"/> (or at
    /// <paramref name="at"/> itself when <paramref name="field"/> is null), requiring
    /// <paramref name="family"/> when given.
    /// </summary>
    public static IPNetwork Prefix(string text, AddressFamily? family, JsonItemPath at, string? field)
    {
        if (!CidrParser.TryParse(text, out var network, out _))
        {
            throw new RangeFormatException($"{Path(at, field)}: '{text}' is not a CIDR prefix");
        }

        var actual = network.BaseAddress.AddressFamily;
        if (family is { } expected && actual != expected)
        {
            throw new RangeFormatException(
                $"{Path(at, field)}: '{text}' is an {FamilyName(actual)} prefix, expected {FamilyName(expected)}");
        }

        return network;
    }

    /// <summary>
    /// One <see cref="CloudLocation"/> instance per region: a provider file repeats a few dozen regions
    /// thousands of times, and the range table stores each distinct location once anyway.
    /// </summary>
    public static CloudLocation Location(Dictionary<string, CloudLocation> cache, string cloud, string region)
    {
        if (!cache.TryGetValue(region, out var location))
        {
            location = new CloudLocation(cloud, region);
            cache.Add(region, location);
        }

        return location;
    }

    private static string Path(JsonItemPath at, string? field) => field is null ? at.ToString() : at.Property(field);

    /// <summary>
    /// <see cref="JsonDocument"/> checks UTF-8 only when a string is decoded, and reports it with an
    /// <see cref="InvalidOperationException"/>; a corrupt file must still surface as a format error.
    /// </summary>
    private static string GetString(JsonElement value, JsonItemPath at, string? field)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new RangeFormatException($"{Path(at, field)}: not valid UTF-8", e);
        }
    }

    private static string FamilyName(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
