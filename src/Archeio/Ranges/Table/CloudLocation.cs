namespace Archeio.Ranges.Table;

/// <summary>
/// Where an address lives: a cloud name chosen by the caller (e.g. <c>aws</c>) and the provider's own
/// region name (e.g. <c>eu-west-3</c>, <c>europe-north1</c>, <c>westeurope</c>).
/// </summary>
/// <param name="Cloud">The cloud name given to the parser; it is not read from the file.</param>
/// <param name="Region">
/// The provider's region, verbatim. Empty when the source gives none. AWS uses <c>GLOBAL</c> for
/// ranges that are not tied to one region (CloudFront, Global Accelerator, ...).
/// </param>
internal sealed record CloudLocation(string Cloud, string Region);
