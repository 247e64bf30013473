using System.Formats.Tar;
using System.Text;
using Kohaku.Data.Images;
using Kohaku.Data.IO;

namespace Kohaku.Data.Export;

// HakuBooru FileSaver / WdsSaver. Every file is written under a temporary name and renamed when
// complete, so after an interrupted run a final name always holds a whole file. A rerun skips a
// post whose caption exists (the caption is written after its image) and a finished data.tar,
// and first removes the temporaries a killed run left behind.
public static class DatasetExporter
{
    public const string TarName = "data.tar";
    private static readonly UTF8Encoding Utf8 = new(false);

    public static ExportReport Export(DatasetExportConfig config, IImageSource images, IProgress<StageProgress>? progress = null, CancellationToken cancel = default)
    {
        var captions = CaptionsFile.Read(config.Captions);
        Directory.CreateDirectory(config.Out);
        AtomicFile.SweepStale(config.Out);
        return config.Tar ? ExportTar(config.Out, captions, images, progress, cancel) : ExportFiles(config.Out, captions, images, progress, cancel);
    }

    private static ExportReport ExportFiles(string dir, IReadOnlyList<(long Id, string Caption)> captions, IImageSource images, IProgress<StageProgress>? progress, CancellationToken cancel)
    {
        int written = 0, complete = 0;
        var skipped = new List<SkippedImage>();
        for (int i = 0; i < captions.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var (id, caption) = captions[i];
            var captionPath = Path.Combine(dir, $"{id}.txt");
            if (File.Exists(captionPath) && ImageFileName.Extensions.Any(e => File.Exists(Path.Combine(dir, $"{id}.{e}")))) complete++;
            else if (Usable(images, id, skipped) is { } image)
            {
                AtomicFile.WriteAllBytes(Path.Combine(dir, $"{id}.{image.Extension}"), image.Data);
                AtomicFile.WriteAllText(captionPath, caption);
                written++;
            }
            progress?.Report(new StageProgress("export", i + 1, captions.Count));
        }
        return new ExportReport(written, complete, skipped);
    }

    private static ExportReport ExportTar(string dir, IReadOnlyList<(long Id, string Caption)> captions, IImageSource images, IProgress<StageProgress>? progress, CancellationToken cancel)
    {
        var path = Path.Combine(dir, TarName);
        if (File.Exists(path)) return new ExportReport(0, captions.Count, []);
        int written = 0;
        var skipped = new List<SkippedImage>();
        AtomicFile.Write(path, stream =>
        {
            using var tar = new TarWriter(stream, TarEntryFormat.Ustar, leaveOpen: true);
            for (int i = 0; i < captions.Count; i++)
            {
                cancel.ThrowIfCancellationRequested();
                var (id, caption) = captions[i];
                if (Usable(images, id, skipped) is { } image)
                {
                    WriteMember(tar, $"{id}.{image.Extension}", image.Data);
                    WriteMember(tar, $"{id}.txt", Utf8.GetBytes(caption));
                    written++;
                }
                progress?.Report(new StageProgress("export", i + 1, captions.Count));
            }
        });
        return new ExportReport(written, 0, skipped);
    }

    private static ImageBytes? Usable(IImageSource images, long id, List<SkippedImage> skipped)
    {
        var image = images.Find(id);
        if (image is null) skipped.Add(new SkippedImage(id, SkipReason.Missing, "in no shard or folder"));
        else
        {
            // The bytes are copied unchanged, so they are checked as far as that is cheap: container
            // complete, a known format whose header reads (a full decode would double the export's time).
            try
            {
                ImageDecoder.Check(image, long.MaxValue);
                return image;
            }
            catch (ImageSkippedException e)
            {
                skipped.Add(e.Skipped);
            }
        }
        return null;
    }

    private static void WriteMember(TarWriter tar, string name, byte[] data) =>
        tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data, writable: false) });
}
