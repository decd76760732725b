namespace Archeio.Tests.EndToEnd.Conformance;

/// <summary>
/// The pull-conformance suite (<see cref="ConformanceChecks"/>) against Distribution 2.8 directly and through
/// Archeio: one test per check per target, holding each outcome to <see cref="ConformanceExpectations"/>; one
/// comparing the targets; one proving that the requests through Archeio took the ways its rules promise (so that the
/// blob checks ran through both the mirror redirect and the upstream fallback).
/// </summary>
[Collection(ConformanceBedDefinition.Name)]
public sealed class ConformanceTests(ConformanceBed bed)
{
    public static TheoryData<string, string> Checks()
    {
        var data = new TheoryData<string, string>();
        foreach (var check in ConformanceChecks.All)
        {
            data.Add(check.Id, ConformanceTarget.RegistryId);
            data.Add(check.Id, ConformanceTarget.ArcheioId);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Checks))]
    public async Task Check_passes_or_has_its_documented_outcome(string check, string target)
    {
        var outcome = await bed.OutcomeAsync(check, target);

        var expected = ConformanceExpectations.For(check, target);
        var why = ConformanceExpectations.Why(check, target);
        Assert.True(
            outcome.Kind == expected,
            $"{check} against {target}: expected {expected}{(why is null ? string.Empty : " (" + why + ")")}, got {outcome.Display}");
        if (expected == OutcomeKind.Skip)
        {
            Assert.Equal(ConformanceExpectations.ExpectedSkips[check], outcome.Reason);
        }
    }

    [Fact]
    public async Task Every_check_passing_against_the_registry_passes_through_Archeio_and_every_difference_is_documented()
    {
        var outcomes = await bed.AllOutcomesAsync();

        var problems = new List<string>();
        foreach (var (check, registry, archeio) in outcomes)
        {
            if (ConformanceExpectations.Differences.TryGetValue(check.Id, out var difference))
            {
                if (archeio.Kind != difference.Archeio || archeio.Kind == registry.Kind)
                {
                    problems.Add($"{check.Id}: documented as {difference.Archeio} through Archeio, unlike the registry; registry {registry.Display}; Archeio {archeio.Display}");
                }
            }
            else if (archeio.Kind != registry.Kind || (archeio.Kind == OutcomeKind.Skip && archeio.Reason != registry.Reason))
            {
                problems.Add($"{check.Id}: registry {registry.Display}; Archeio {archeio.Display}");
            }
        }

        Assert.True(problems.Count == 0, "undocumented differences:\n" + string.Join('\n', problems));
    }

    [Fact]
    public async Task Through_Archeio_blobs_the_mirror_holds_come_from_it_and_every_other_request_from_the_upstream()
    {
        var outcomes = await bed.AllOutcomesAsync();
        var mirrored = bed.Content.Blobs.Where(b => b.Mirrored).Select(b => b.Digest).ToHashSet(StringComparer.Ordinal);

        var problems = new List<string>();
        var blobChecksFrom = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (check, _, archeio) in outcomes)
        {
            foreach (var exchange in archeio.Exchanges)
            {
                var path = exchange.RequestUri.AbsolutePath;
                var what = $"{check.Id}: {exchange.Method} {path}";
                if (path == "/v2/" || path.EndsWith("/" + ConformanceContent.InvalidDigest, StringComparison.Ordinal))
                {
                    // Archeio answers these itself (docs/request-handling.md, steps 4 and 6).
                    if (exchange.Hops.Count != 0 || bed.OriginName(exchange.FinalUri) != "Archeio")
                    {
                        problems.Add($"{what}: redirected ({exchange.Hops.Count} hops), not answered by Archeio");
                    }

                    continue;
                }

                var blob = path.LastIndexOf("/blobs/", StringComparison.Ordinal) is var at and >= 0 ? path[(at + "/blobs/".Length)..] : null;
                var expected = blob is not null && mirrored.Contains(blob) ? "mirror" : "registry";
                var expectedPath = expected == "mirror"
                    ? "/containers/images/" + blob
                    : "/v2/" + ConformanceBed.UpstreamPath + path["/v2".Length..];
                var hop = exchange.Hops.Count == 1 ? exchange.Hops[0] : null;
                if (hop is null || hop.Status != 307 || hop.Method != exchange.Method || bed.OriginName(exchange.FinalUri) != expected
                    || exchange.FinalUri.AbsolutePath != expectedPath || (expected == "registry" && exchange.FinalUri.Query != exchange.RequestUri.Query))
                {
                    problems.Add($"{what}: {string.Join(" → ", exchange.Hops.Select(h => $"{h.Status} {h.Location}"))} ended at {exchange.FinalUri}, not the {expected} at {expectedPath}");
                }

                if (blob is not null && check.Id.StartsWith("blob-", StringComparison.Ordinal))
                {
                    blobChecksFrom[expected] = blobChecksFrom.GetValueOrDefault(expected) + 1;
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        // Both ways ran under the blob checks: the redirect to the mirror, and the fallback to the upstream.
        Assert.True(blobChecksFrom.GetValueOrDefault("mirror") > 0, "no blob check request went to the mirror");
        Assert.True(blobChecksFrom.GetValueOrDefault("registry") > 0, "no blob check request fell back to the upstream");
    }
}
