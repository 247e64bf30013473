using System.CommandLine;
using Kohaku.Data.Export;
using Kohaku.Data.Images;

namespace Kohaku.Cli.Verbs;

internal sealed class ExportVerb : IVerb
{
    public static Command Build()
    {
        var images = new Option<string[]>("--images") { Description = "Image folder(s): data-NXXX.tar shards or <id>.<ext> files, searched in order.", Required = true, AllowMultipleArgumentsPerToken = true };
        var captions = new Option<string>("--captions") { Description = "captions.jsonl from the caption stage.", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder.", Required = true };
        var tar = new Option<bool>("--tar") { Description = "One webdataset tar (data.tar) instead of <id>.webp + <id>.txt files." };
        var command = new Command("export", "Export images (bytes unchanged) with their captions, HakuBooru style; a rerun completes an interrupted export.") { images, captions, output, tar };
        command.SetAction(parse => BadInput.Guard("export", () =>
        {
            using var stop = new StopSignals("export");
            var config = new DatasetExportConfig { Images = parse.GetValue(images)!, Captions = parse.GetValue(captions)!, Out = parse.GetValue(output)!, Tar = parse.GetValue(tar) }.Validate();
            using var source = ImageSourceSet.Open(config.Images, Console.Error.WriteLine);
            var report = DatasetExporter.Export(config, source, cancel: stop.Token);
            foreach (var s in report.Skipped) Console.WriteLine($"skipped {s.Id}: {s.Reason}: {s.Detail}");
            Console.WriteLine($"{report.Written} written, {report.AlreadyComplete} already complete, {report.Skipped.Count} skipped → {Path.GetFullPath(config.Out)}"
                + (stop.Received is null ? "" : $"; stopped early ({stop.Received}), run the same command again to complete it"));
            return stop.Received is null ? 0 : stop.ExitCode;
        }));
        return command;
    }
}
