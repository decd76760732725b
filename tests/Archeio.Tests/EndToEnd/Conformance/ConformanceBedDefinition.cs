namespace Archeio.Tests.EndToEnd.Conformance;

/// <summary>The conformance tests share one bed (<see cref="ConformanceBed"/>); each (check, target) runs once in it.</summary>
[CollectionDefinition(Name)]
public sealed class ConformanceBedDefinition : ICollectionFixture<ConformanceBed>
{
    public const string Name = "conformance-bed";
}
