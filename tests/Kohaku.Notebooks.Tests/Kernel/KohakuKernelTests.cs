using System.Text.Json.Nodes;
using Kohaku.Notebooks.Kernel;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace Kohaku.Notebooks.Tests.Kernel;

// Formatting is process-wide: in the collection of the other in-process kernels.
[Collection("headless")]
public sealed class KohakuKernelTests(KohakuKernelTests.KernelFixture fixture) : IClassFixture<KohakuKernelTests.KernelFixture>
{
    [Fact]
    public async Task CreateAsync_DataFrameCell_PackageExtensionLoadedAndTableHasRoundedNumbers()
    {
        // The extension's own `#r` of itself: it ran at start.
        await ReturnedAsync("typeof(Microsoft.Data.Analysis.Interactive.DataFrameKernelExtension)");
        var html = Single(await ReturnedAsync("using Microsoft.Data.Analysis;\nnew DataFrame(new DoubleDataFrameColumn(\"p90\", new[] { 26.400000000000006 }), new Int64DataFrameColumn(\"posts\", new long[] { 1234567 }))"), HtmlFormatter.MimeType);

        Assert.Contains("<thead><tr><th>p90</th><th>posts</th></tr></thead><tbody><tr><td style=\"text-align:right\">26.4</td><td style=\"text-align:right\">1,234,567</td></tr></tbody>", html);
        Assert.DoesNotContain("<script", html);
    }

    [Fact]
    public async Task CreateAsync_Doubles_HtmlRoundsWithEveryDigitInTooltip()
    {
        Assert.Contains("<td>Share</td><td><span title=\"0.123456789\">0.123</span></td>", Single(await ReturnedAsync("new { Share = 0.123456789 }"), HtmlFormatter.MimeType));
        Assert.Equal("<span title=\"26.400000000000006\">26.4</span>", Single(await ReturnedAsync("26.400000000000006"), HtmlFormatter.MimeType));
        Assert.Equal("204", Single(await ReturnedAsync("204f"), HtmlFormatter.MimeType));
    }

    [Fact]
    public async Task CreateAsync_ChartCell_HtmlFigureJsonAndTitleText()
    {
        var values = await ReturnedAsync("Kohaku.Notebooks.Charts.Chart.Line(new double[] { 1, 2 }, new double[] { 3, 4 }, \"loss\", \"step\", \"value\")");

        Assert.Equal(["text/html", "application/vnd.plotly.v1+json", "text/plain"], values.Select(v => v.MimeType));
        var layout = JsonNode.Parse(values[1].Value)!["layout"]!;
        Assert.Equal(("loss", "step", "value"), ((string?)layout["title"]!["text"], (string?)layout["xaxis"]!["title"]!["text"], (string?)layout["yaxis"]!["title"]!["text"]));
        Assert.Equal("loss (x: step, y: value)", values[2].Value);
    }

    private async Task<List<FormattedValue>> ReturnedAsync(string code)
    {
        var result = await fixture.Kernel.SendAsync(new SubmitCode(code, KohakuKernel.CSharpName));
        Assert.Empty(result.Events.OfType<CommandFailed>().Select(f => f.Message));
        return [.. result.Events.OfType<ReturnValueProduced>().Single().FormattedValues];
    }

    private static string Single(IEnumerable<FormattedValue> values, string mimeType) => values.Single(v => v.MimeType == mimeType).Value;

    public sealed class KernelFixture : IAsyncLifetime
    {
        public CompositeKernel Kernel { get; private set; } = null!;

        public async Task InitializeAsync() => Kernel = await KohakuKernel.CreateAsync();

        public Task DisposeAsync()
        {
            Kernel.Dispose();
            return Task.CompletedTask;
        }
    }
}
