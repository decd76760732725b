namespace Archeio.Blobs;

/// <summary>A mirror out of rotation because its probe failed (<see cref="CircuitBreaker.HoldOpen"/>).</summary>
/// <param name="Reason">The failed check and what it saw, e.g. <c>range: GET with Range: bytes=0-1023 answered 400</c>.</param>
/// <param name="Since">When the first of the failing probes in a row ended.</param>
internal sealed record ProbeHold(string Reason, DateTimeOffset Since);
