using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace Kohaku.Notebooks.Kernel;

// The one place the notebook kernel is composed, used by `kohaku kernel stdio` (VS Code) and by
// `kohaku run` (headless), so a cell behaves the same in both. C# only: the stock tool's F#
// kernel is what pins FSharp.Core 10.0, and Plotly.NET 6 needs the 10.1 this host loads.
public static class KohakuKernel
{
    public const string CSharpName = "csharp";

    // The other names notebooks give the C# kernel (Polyglot's cell metadata uses both).
    public static IReadOnlyList<string> CSharpAliases { get; } = ["c#", "C#"];
    public const string HeadlessRootName = "kohaku-run";

    // Types whose assemblies cells see without #r: the workspace libraries and their main packages.
    private static readonly Type[] HostTypes =
    [
        typeof(Kohaku.Data.StageProgress),
        typeof(Kohaku.Diffusion.TorchRuntime),
        typeof(Kohaku.Training.Config.TrainConfig),
        typeof(KohakuKernel),
        typeof(TorchSharp.torch),
        typeof(Plotly.NET.GenericChart),
        typeof(Plotly.NET.CSharp.Chart),
        typeof(Microsoft.FSharp.Core.FSharpOption<>),
    ];

    // Usings every cell starts with; static TorchSharp.torch is left out on purpose: its members
    // (ones, zeros, arange, Tensor…) would shadow System and LINQ names in every cell.
    internal const string Usings = """
        using System;
        using System.IO;
        using System.Linq;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using TorchSharp;
        using Kohaku.Notebooks;
        """;

    // rootName lets library code tell a headless run (RunnerRootName) from an interactive host.
    public static async Task<CompositeKernel> CreateAsync(string rootName = ".NET")
    {
        ConfigureFormatting();
        var csharp = new CSharpKernel()
            .UseNugetDirective<CSharpKernel>((k, refs) =>
            {
                k.AddAssemblyReferences(refs.SelectMany(r => r.AssemblyPaths));
                return Task.CompletedTask;
            }, forceRestore: false)
            .UseKernelHelpers()
            .UseWho()
            .UseValueSharing();
        csharp.AddAssemblyReferences(HostAssemblyPaths());

        var root = new CompositeKernel(rootName) { DefaultKernelName = CSharpName };
        root.Add(csharp, CSharpAliases);
        root.UseImportMagicCommand();
        ExtensionLoader.Attach(root, [HostExtensionRoot]);

        // Warm up before anyone connects: the helper submission UseKernelHelpers defers, our usings
        // and the host's kernel extensions run now, so the first user cell is fast and carries no
        // extra child events.
        var warm = await root.SendAsync(new SubmitCode(Usings, CSharpName));
        if (warm.Events.OfType<Microsoft.DotNet.Interactive.Events.CommandFailed>().FirstOrDefault() is { } failed)
            throw new InvalidOperationException($"kernel warm-up failed: {failed.Message}");
        if (warm.Events.OfType<Microsoft.DotNet.Interactive.Events.ErrorProduced>().FirstOrDefault() is { } error)
            throw new InvalidOperationException($"kernel warm-up failed: {error.Message}");
        return root;
    }

    public static IEnumerable<string> HostAssemblyPaths() =>
        HostTypes.Select(t => t.Assembly.Location).Where(p => p.Length > 0).Distinct();

    // Where the build puts the kernel extensions of the host's own packages
    // (interactive-extensions/dotnet/, see Kohaku.Notebooks.csproj): Microsoft.Data.Analysis's,
    // which references itself in the C# kernel (TabularDataResource.ToDataFrame) and registers a
    // DataFrame formatter that RegisterFormatters then replaces.
    private static string HostExtensionRoot => Path.GetDirectoryName(typeof(KohakuKernel).Assembly.Location)!;

    private static int _formattingConfigured;

    // Formatting is process-wide in .NET Interactive; set it once, as the stock tool does for
    // VS Code: HTML by default, strings as plain text. A chart carries three versions so every
    // client draws or at least names it: the Plotly div (nbconvert and the HTML report pick it), the
    // figure JSON (JupyterLab and VS Code draw it without a network) and its title as text.
    private static void ConfigureFormatting()
    {
        if (Interlocked.Exchange(ref _formattingConfigured, 1) == 1) return;
        Formatter.DefaultMimeType = HtmlFormatter.MimeType;
        Formatter.SetPreferredMimeTypesFor(typeof(string), PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(Plotly.NET.GenericChart), HtmlFormatter.MimeType, Charts.PlotlyHtml.MimeType, PlainTextFormatter.MimeType);
        RegisterFormatters();
    }

    // The host's formatters. Registered again after every kernel extension loads, because the last
    // registration for a type wins and packages bring their own: Microsoft.Data.Analysis's pages
    // DataFrame rows with a script that GitHub, nbviewer and untrusted JupyterLab strip (leaving an
    // empty table) and prints doubles round-trip; Plotly.NET.Interactive's charts need the CDN.
    internal static void RegisterFormatters()
    {
        Formatter.Register<Plotly.NET.GenericChart>((chart, writer) => writer.Write(Charts.PlotlyHtml.Fragment(chart)), HtmlFormatter.MimeType);
        Formatter.Register<Plotly.NET.GenericChart>((chart, writer) => writer.Write(Charts.PlotlyHtml.Figure(chart)), Charts.PlotlyHtml.MimeType);
        Formatter.Register<Plotly.NET.GenericChart>((chart, writer) => writer.Write(Charts.PlotlyHtml.Caption(chart)), PlainTextFormatter.MimeType);
        Formatter.Register<Charts.HtmlBlock>((block, writer) => writer.Write(block.Html), HtmlFormatter.MimeType);
        Formatter.Register<Microsoft.Data.Analysis.DataFrame>((frame, writer) => writer.Write(Charts.Tables.Html(frame)), HtmlFormatter.MimeType);
        // A number alone or in a record's tree view: rounded, every digit in its tooltip.
        Formatter.Register<double>((value, writer) => writer.Write(Charts.Tables.NumberHtml(value)), HtmlFormatter.MimeType);
        Formatter.Register<float>((value, writer) => writer.Write(Charts.Tables.NumberHtml(value)), HtmlFormatter.MimeType);
    }
}
