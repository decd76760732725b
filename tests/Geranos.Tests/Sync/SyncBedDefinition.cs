namespace Geranos.Tests.Sync;

/// <summary>The tests that share one <see cref="SyncBed"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SyncBedDefinition : ICollectionFixture<SyncBed>
{
    public const string Name = "geranos sync bed";
}
