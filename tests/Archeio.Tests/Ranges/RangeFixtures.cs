namespace Archeio.Tests.Ranges;

/// <summary>Hand-written range files in each provider's format, copied next to the test assembly.</summary>
internal static class RangeFixtures
{
    public const string Aws = "aws-ip-ranges.json";
    public const string Gcp = "gcp-cloud.json";
    public const string Azure = "azure-service-tags.json";

    public static Stream Open(string name) =>
        File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Ranges", name));

    public static Stream Json(string json) => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));
}
