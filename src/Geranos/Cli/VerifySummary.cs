using Geranos.Destination;
using Geranos.Sync;

namespace Geranos.Cli;

/// <summary>What <c>geranos verify</c> found in every destination.</summary>
internal sealed record VerifySummary(bool Deep, IReadOnlyList<VerifyReport> Destinations, double Seconds)
{
    public int Problems => Destinations.Sum(d => d.Problems.Count);

    public int ExitCode => Problems == 0 ? ExitCodes.Ok : ExitCodes.PartialFailure;
}
