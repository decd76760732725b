namespace Archeio.Tests.EndToEnd.Signing;

/// <summary>The tests against the signing stores share one bed and run one after another (some move a front's clock).</summary>
[CollectionDefinition(Name)]
public sealed class SignedMirrorBedDefinition : ICollectionFixture<SignedMirrorBed>
{
    public const string Name = "signed-mirror-bed";
}
