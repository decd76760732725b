namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>All tests that pull through the bed share one bed and run one after another, so that each
/// reads only its own requests in the backends' access logs.</summary>
[CollectionDefinition(Name)]
public sealed class PullBedDefinition : ICollectionFixture<PullTestBed>
{
    public const string Name = "pull-bed";
}
