namespace Geranos.Tests.Destination;

/// <summary>The destination test classes share one s3rver (<see cref="S3DestinationFixture"/>).</summary>
[CollectionDefinition(Name)]
public sealed class S3DestinationDefinition : ICollectionFixture<S3DestinationFixture>
{
    public const string Name = "Geranos S3 destination";
}
