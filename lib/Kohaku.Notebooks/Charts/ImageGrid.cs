using System.Globalization;
using System.Net;
using System.Text;
using Kohaku.Diffusion.Sampling;
using Kohaku.Training.Config;
using Kohaku.Training.Lokr;

namespace Kohaku.Notebooks.Charts;

// Sample images with captions as one HTML grid (PNG/JPEG/WebP inlined as data URIs, so the
// executed notebook and its report keep them without the files).
public static class ImageGrid
{
    public sealed record Item(byte[] Bytes, string Caption, string MimeType = "image/png");

    public static HtmlBlock FromBytes(IEnumerable<Item> items, int columns = 4, int cellWidth = 256)
    {
        var html = new StringBuilder();
        html.Append($"<div class=\"kohaku-grid\" style=\"display:grid;grid-template-columns:repeat({columns},{cellWidth}px);gap:8px\">");
        foreach (var item in items)
        {
            html.Append("<figure style=\"margin:0\">")
                .Append($"<img src=\"data:{item.MimeType};base64,{Convert.ToBase64String(item.Bytes)}\" style=\"width:{cellWidth}px;height:auto\" alt=\"{WebUtility.HtmlEncode(item.Caption)}\"/>")
                .Append($"<figcaption style=\"font-size:12px;word-break:break-word\">{WebUtility.HtmlEncode(item.Caption)}</figcaption></figure>");
        }
        return new HtmlBlock(html.Append("</div>").ToString());
    }

    // Files by path, captioned with their file name unless captions are given (same order).
    public static HtmlBlock FromFiles(IEnumerable<string> paths, IEnumerable<string>? captions = null, int columns = 4, int cellWidth = 256)
    {
        var files = paths.ToList();
        var texts = captions?.ToList() ?? files.Select(Path.GetFileName).Select(n => n ?? "").ToList();
        if (texts.Count != files.Count) throw new ArgumentException($"{files.Count} images but {texts.Count} captions");
        return FromBytes(files.Select((p, i) => new Item(File.ReadAllBytes(p), texts[i], MimeTypeOf(p))), columns, cellWidth);
    }

    // Training previews (SdxlLokrTask.PreviewFileName), each captioned with its step, seed and prompt from the run's train section.
    public static HtmlBlock FromPreviews(IEnumerable<string> paths, TrainConfig train, int columns = 4, int cellWidth = 256)
    {
        var files = paths.ToList();
        return FromFiles(files, files.Select(p => PreviewCaption(p, train)), columns, cellWidth);
    }

    // What an image was drawn from, so a grid reads without the code: "step 100: seed 1337, 12
    // Euler steps, cfg 7.5 · 1girl, solo".
    public static string Caption(string label, string prompt, SampleSettings settings) =>
        string.Create(CultureInfo.InvariantCulture, $"{label}: seed {settings.Seed}, {settings.Steps} {settings.Sampler} steps, cfg {settings.Cfg} · {prompt}");

    internal static string PreviewCaption(string path, TrainConfig train)
    {
        if (!SdxlLokrTask.TryParsePreviewFileName(path, out var number, out var index)) return Path.GetFileName(path);
        var step = $"step {number}";
        if (index >= train.SamplePrompts.Count) return Caption(step, $"prompt {index}", train.PreviewSettings(index));
        var preview = train.Preview(index);
        return Caption(step, preview.Negative is null ? preview.Prompt : $"{preview.Prompt} (negative: {preview.Negative})", preview.Settings);
    }

    private static string MimeTypeOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".jpg" or ".jpeg" => "image/jpeg",
        ".webp" => "image/webp",
        ".gif" => "image/gif",
        _ => "image/png",
    };
}
