
namespace Archeio.Tests.Support;

/// <summary>One sample line of a Prometheus exposition.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
