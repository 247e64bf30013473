using Kohaku.Notebooks.Charts;
using Microsoft.Data.Analysis;

namespace Kohaku.Notebooks.Tests.Charts;

public sealed class TablesTests
{
    [Fact]
    public void Html_DataFrameOverMaxRows_PlainTableWithRoundedNumbersAndRowCount()
    {
        var frame = new DataFrame(
            new StringDataFrameColumn("tag", ["a<b", "c", "d"]),
            new DoubleDataFrameColumn("p50", [26.400000000000006, 0.0012345, 12345.678]),
            new Int64DataFrameColumn("posts", [2021, 1234567, 5]));

        Assert.Equal(
            "<div class=\"kohaku-table\" style=\"max-width:100%;overflow-x:auto\"><table><thead><tr><th>tag</th><th>p50</th><th>posts</th></tr></thead><tbody>" +
            "<tr><td>a&lt;b</td><td style=\"text-align:right\">26.4</td><td style=\"text-align:right\">2021</td></tr>" +
            "<tr><td>c</td><td style=\"text-align:right\">0.00123</td><td style=\"text-align:right\">1,234,567</td></tr>" +
            "</tbody></table><p>first 2 of 3 rows</p></div>",
            Tables.Html(frame, maxRows: 2));
    }

    [Theory]
    [InlineData(26.400000000000006, "26.4")]
    [InlineData(-3.14159, "-3.14")]
    [InlineData(123456.789, "123,457")]
    [InlineData(9999.125, "9999.13")]
    [InlineData(0.123456, "0.123")]
    [InlineData(1e-7, "1E-07")]
    [InlineData(0.0, "0")]
    [InlineData(double.NaN, "NaN")]
    public void Number_Double_RoundedForReading(double value, string expected) => Assert.Equal(expected, Tables.Number(value));

    [Fact]
    public void Format_Integers_SeparatorsFromTenThousand() =>
        Assert.Equal(["2021", "10,000", "-1,234,567", "7", "text"], new object[] { 2021, 10_000L, -1_234_567L, (byte)7, "text" }.Select(Tables.Format));
}
