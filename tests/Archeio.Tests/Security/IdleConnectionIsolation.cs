namespace Archeio.Tests.Security;

/// <summary>
/// Runs <see cref="IdleConnectionTests"/> alone, after the parallel tests: its 30,000 connections load both cores for
/// about 20 s and use ephemeral ports, which would disturb other tests' timing bounds (and theirs its own).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IdleConnectionIsolation
{
    public const string Name = "Idle connections, alone";
}
