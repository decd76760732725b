using System.Text.Json.Nodes;
using Archeio.TestBed;
using YamlDotNet.RepresentationModel;

namespace Archeio.Tests.Deploy;

/// <summary>One YAML document of a manifest file, as a JSON tree (every scalar a string) for easy navigation.</summary>
internal sealed record Manifest(string File, JsonObject Document)
{
    public string Kind => (string)Document["kind"]!;

    public string Name => (string?)Document["metadata"]?["name"] ?? string.Empty;

    public override string ToString() => $"{File}: {Kind}/{Name}";
}

/// <summary>Reads deploy/kubernetes with YamlDotNet.</summary>
internal static class Manifests
{
    public static string Directory => Path.Combine(Tools.RepositoryRoot, "deploy", "kubernetes");

    public static IEnumerable<string> Files => System.IO.Directory.EnumerateFiles(Directory, "*.yaml").Order(StringComparer.Ordinal);

    public static IReadOnlyList<Manifest> All => field ??= [.. Files.SelectMany(Load)];

    public static IReadOnlyList<Manifest> Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        return [.. stream.Documents.Where(d => d.RootNode is YamlMappingNode { Children.Count: > 0 })
            .Select(d => new Manifest(Path.GetFileName(path), (JsonObject)ToJson(d.RootNode)!))];
    }

    public static Manifest Single(string kind, string? name = null)
        => All.Single(m => m.Kind == kind && (name is null || m.Name == name));

    public static IEnumerable<Manifest> OfKind(string kind) => All.Where(m => m.Kind == kind);

    /// <summary>The pod spec of a Deployment (<c>spec.template.spec</c>) or a CronJob (<c>spec.jobTemplate.spec.template.spec</c>).</summary>
    public static JsonObject PodSpec(Manifest manifest) => manifest.Kind switch
    {
        "CronJob" => manifest.Document["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]!.AsObject(),
        _ => manifest.Document["spec"]!["template"]!["spec"]!.AsObject(),
    };

    public static IEnumerable<JsonObject> Items(JsonNode? list) => list?.AsArray().Select(n => n!.AsObject()) ?? [];

    public static string? Text(JsonNode? node) => node?.GetValue<string>();

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode { Value: null } => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new NotSupportedException(node.NodeType.ToString()),
    };
}
