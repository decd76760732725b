using Amazon.S3;
using Geranos.Destination;

namespace Geranos.Cli;

/// <summary>What the commands use from the outside world, replaceable in tests.</summary>
/// <param name="Console">The streams.</param>
/// <param name="S3">Makes the S3 client for the <c>--s3-…</c> settings (default: <see cref="S3ClientFactory.Create"/>, the standard AWS credential chain).</param>
/// <param name="Time">The clock for retries and rates.</param>
internal sealed record GeranosServices(GeranosConsole Console, Func<S3Settings, IAmazonS3> S3, TimeProvider Time)
{
    public static GeranosServices Default => new(GeranosConsole.System, S3ClientFactory.Create, TimeProvider.System);
}
