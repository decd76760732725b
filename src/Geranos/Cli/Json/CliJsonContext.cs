using System.Text.Json.Serialization;
using Geranos.Sync;

namespace Geranos.Cli.Json;

/// <summary>Source-generated JSON for <c>--json</c> (no reflection, so the NativeAOT build works).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(SyncSummary))]
[JsonSerializable(typeof(VerifySummary))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
