using System.Text.Json.Serialization;

namespace Archeio.Oci.Json;

/// <summary>Source-generated (reflection-free, trimmable) JSON for the registry answers this library reads: errors and tokens.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(ErrorsDocument))]
[JsonSerializable(typeof(TokenDocument))]
internal sealed partial class OciJsonContext : JsonSerializerContext;
