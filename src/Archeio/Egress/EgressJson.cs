using System.Collections.Immutable;
using System.Text.Json;

namespace Archeio.Egress;

/// <summary>
/// The list as JSON, written with <see cref="Utf8JsonWriter"/> (no reflection: trim and AOT safe), indented so that a
/// CI job's diff of two fetches reads line by line. Documented in docs/operations.md ("Publishing the egress list").
/// </summary>
internal static class EgressJson
{
    /// <summary>
    /// The whole list, or with <paramref name="client"/> only its entry. <paramref name="archeio"/>, the host the
    /// request reached Archeio at (null when it named none), is the first of <c>hosts</c>: every client needs it.
    /// </summary>
    public static byte[] Write(EgressList list, string? archeio, EgressVisitor? client)
    {
        ArgumentNullException.ThrowIfNull(list);
        var entries = client is null ? list.Entries : [client.Entry];
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("archeio", archeio);
            if (client is not null)
            {
                WriteClient(json, client);
            }

            json.WriteStartArray("hosts");
            foreach (var host in AllowList(archeio, client is null ? list.Hosts : [.. client.Entry.Hosts.Select(h => h.HostPort)]))
            {
                json.WriteStringValue(host);
            }

            json.WriteEndArray();
            json.WriteStartArray("rules");
            foreach (var entry in entries)
            {
                WriteEntry(json, entry);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>Archeio's own host first, then <paramref name="hosts"/> (sorted already) without it.</summary>
    public static IEnumerable<string> AllowList(string? archeio, ImmutableArray<string> hosts)
        => archeio is null ? hosts : hosts.Where(h => h != archeio).Prepend(archeio);

    private static void WriteClient(Utf8JsonWriter json, EgressVisitor client)
    {
        json.WriteStartObject("client");
        json.WriteString("address", client.Address?.ToString());
        json.WriteString("cloud", client.Location?.Cloud);
        json.WriteString("region", client.Location?.Region is { Length: > 0 } region ? region : null);
        WriteIndex(json, "rule", client.Entry.Index);
        json.WriteEndObject();
    }

    private static void WriteEntry(Utf8JsonWriter json, EgressEntry entry)
    {
        json.WriteStartObject();
        WriteIndex(json, "index", entry.Index);
        json.WriteStartObject("match");
        json.WriteString("inWords", entry.MatchInWords);
        var rule = entry.Rule;
        json.WriteString("cloud", rule?.Cloud);
        WriteStrings(json, "regions", rule?.Regions ?? []);
        WriteStrings(json, "countries", rule?.Countries ?? []);
        WriteStrings(json, "continents", rule?.Continents ?? []);
        json.WriteStartArray("asns");
        foreach (var asn in rule?.Asns ?? [])
        {
            json.WriteNumberValue(asn);
        }

        json.WriteEndArray();
        WriteStrings(json, "networks", [.. (rule?.Networks ?? []).Select(n => n.ToString())]);
        json.WriteEndObject();
        json.WriteString("action", entry.ActionName);
        json.WriteString("note", entry.Note);
        WriteStrings(json, "upstreams", [.. entry.Upstreams.Select(u => u.Name)]);
        WriteHosts(json, "hosts", entry.Hosts);
        WriteHosts(json, "fetchedByArcheio", entry.FetchedByArcheio);
        json.WriteEndObject();
    }

    private static void WriteHosts(Utf8JsonWriter json, string name, ImmutableArray<EgressHost> hosts)
    {
        json.WriteStartArray(name);
        foreach (var host in hosts)
        {
            json.WriteStartObject();
            json.WriteString("host", host.HostPort);
            WriteStrings(json, "reasons", host.Reasons);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, ImmutableArray<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    /// <summary>A rule's index, or null for the clients no rule fits.</summary>
    private static void WriteIndex(Utf8JsonWriter json, string name, int? index)
    {
        if (index is { } value)
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
