using Geranos.Cli;

namespace Geranos.Tests.Cli;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1024, "1.0 KiB")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(64L << 20, "64.0 MiB")]
    [InlineData(1L << 30, "1.0 GiB")]
    [InlineData(3L << 40, "3.0 TiB")]
    public void Binary_units_one_decimal(long bytes, string expected) => Assert.Equal(expected, ByteSize.Format(bytes));
}
