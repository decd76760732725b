using Archeio.Ranges.Parsing;

namespace Archeio.Tests.Ranges.Parsing;

public sealed class AzureRangesParserTests
{
    [Fact]
    public void Fixture_yields_only_regional_AzureCloud_tags()
    {
        using var stream = RangeFixtures.Open(RangeFixtures.Azure);

        var prefixes = AzureRangesParser.Parse(stream, "azure");

        // The global AzureCloud tag, the Storage.WestEurope service tag and the region-less
        // AzureFrontDoor.Backend tag are all left out.
        Assert.Equal(
            [
                "13.69.0.0/17 westeurope",
                "20.50.0.0/18 westeurope",
                "2603:1020:200::/46 westeurope",
                "13.68.128.0/17 eastus",
                "20.42.0.0/17 eastus",
                "2603:1030:210::/47 eastus",
            ],
            prefixes.Select(p => $"{p.Network} {p.Location.Region}"));
        Assert.All(prefixes, p => Assert.Equal("azure", p.Location.Cloud));
    }

    [Theory]
    [InlineData("{'values': []}")]
    [InlineData("{'values': [{'name': 'AzureCloud', 'properties': {'region': '', 'addressPrefixes': ['20.0.0.0/8']}}]}")]
    [InlineData("{'values': [{'name': 'AzureCloud.westeurope', 'properties': {'region': '', 'addressPrefixes': ['20.0.0.0/8']}}]}")]
    [InlineData("{'values': [{'name': 'AzureCloud.westeurope', 'properties': {'addressPrefixes': ['20.0.0.0/8']}}]}")]
    [InlineData("{'values': [{'name': 'AzureCloud.westeurope', 'properties': {'region': null}}]}")]
    [InlineData("{'values': [{'name': 'Storage.WestEurope', 'properties': {'region': 'westeurope', 'addressPrefixes': ['20.50.0.0/24']}}]}")]
    [InlineData("{'values': [{'name': 'AzureCloudX.westeurope', 'properties': {'region': 'westeurope', 'addressPrefixes': ['20.50.0.0/24']}}]}")]
    [InlineData("{'values': [{'name': 'azurecloud.westeurope', 'properties': {'region': 'westeurope', 'addressPrefixes': ['20.50.0.0/24']}}]}")]
    [InlineData("{'values': [{'name': 'Sql', 'properties': {'region': 'westeurope', 'addressPrefixes': ['not a prefix', 5]}}]}")]
    [InlineData("{'values': [{'name': 'Sql', 'properties': {'region': 'westeurope'}}]}")]
    public void Tags_that_are_not_regional_AzureCloud_tags_are_ignored_without_validation(string json)
    {
        using var stream = RangeFixtures.Json(json.Replace('\'', '"'));

        Assert.Empty(AzureRangesParser.Parse(stream, "azure"));
    }

    [Theory]
    [InlineData("{'values': [", "not valid JSON")]
    [InlineData("42", "$: expected an object, found a number")]
    [InlineData("{}", "values: required array is missing")]
    [InlineData("{'values': {}}", "values: expected an array, found an object")]
    [InlineData("{'values': [1]}", "values[0]: expected an object, found a number")]
    [InlineData("{'values': [{'properties': {}}]}", "values[0].name: required string is missing")]
    [InlineData("{'values': [{'name': 'AzureCloud.eastus'}]}", "values[0].properties: required object is missing")]
    [InlineData("{'values': [{'name': 'AzureCloud.eastus', 'properties': []}]}", "values[0].properties: expected an object, found an array")]
    [InlineData("{'values': [{'name': 'AzureCloud.eastus', 'properties': {'region': 5}}]}", "values[0].properties.region: expected a string, found a number")]
    [InlineData("{'values': [{'name': 'AzureCloud.eastus', 'properties': {'region': 'eastus'}}]}", "values[0].properties.addressPrefixes: required array is missing")]
    [InlineData("{'values': [{'name': 'AzureCloud.eastus', 'properties': {'region': 'eastus', 'addressPrefixes': '20.42.0.0/17'}}]}", "values[0].properties.addressPrefixes: expected an array, found a string")]
    [InlineData("{'values': [{'name': 'AzureCloud.eastus', 'properties': {'region': 'eastus', 'addressPrefixes': [5]}}]}", "values[0].properties.addressPrefixes[0]: expected a string, found a number")]
    [InlineData("{'values': [{'name': 'Sql', 'properties': {}}, {'name': 'AzureCloud.eastus', 'properties': {'region': 'eastus', 'addressPrefixes': ['20.42.0.0/17', '1.2.3/24']}}]}", "values[1].properties.addressPrefixes[1]: '1.2.3/24' is not a CIDR prefix")]
    [InlineData("{'values': [{'name': 'AzureCloud.eastus', 'properties': {'region': 'eastus', 'addressPrefixes': ['2603:1030:210::/129']}}]}", "values[0].properties.addressPrefixes[0]: '2603:1030:210::/129' is not a CIDR prefix")]
    public void Malformed_input_throws_with_the_offending_path(string json, string expectedMessage)
    {
        using var stream = RangeFixtures.Json(json.Replace('\'', '"'));

        var error = Assert.Throws<RangeFormatException>(() => AzureRangesParser.Parse(stream, "azure"));

        Assert.StartsWith(expectedMessage, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Real_file_has_the_documented_counts()
    {
        var prefixes = RealRanges.Azure;

        Assert.Equal(15_058, prefixes.Count);
        Assert.Equal(77, prefixes.Select(p => p.Location.Region).Distinct().Count());
        Assert.Contains(prefixes, p => p.Network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6);
    }
}
