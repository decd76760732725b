namespace Archeio.Ranges.Parsing;

/// <summary>
/// The published IP range list formats Archeio understands. Each provider has its own JSON shape,
/// so the format decides which parser reads a file; see <see cref="RangeParser"/>.
/// </summary>
internal enum RangeFormat
{
    /// <summary>AWS <c>ip-ranges.json</c>: https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html</summary>
    Aws,

    /// <summary>Google Cloud <c>cloud.json</c>: https://www.gstatic.com/ipranges/cloud.json</summary>
    Gcp,

    /// <summary>Azure Service Tags: https://learn.microsoft.com/azure/virtual-network/service-tags-overview#discover-service-tags-by-using-downloadable-json-files</summary>
    Azure,
}
