using System.Text.Json.Serialization;

namespace Geranos.Source.Json;

/// <summary>Source-generated (reflection-free, trimmable) JSON for everything the source registry sends.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(CatalogDocument))]
[JsonSerializable(typeof(ManifestDocument))]
[JsonSerializable(typeof(TagListDocument))]
internal sealed partial class SourceJsonContext : JsonSerializerContext;
