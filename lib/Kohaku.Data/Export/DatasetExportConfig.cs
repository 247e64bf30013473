namespace Kohaku.Data.Export;

// `kohaku export`: HakuBooru's savers. Folder mode writes <id>.<ext> (image bytes unchanged) and
// <id>.txt (caption, UTF-8, no final newline) per post; tar mode writes one webdataset tar
// (data.tar) with the same two members per sample.
public sealed record DatasetExportConfig
{
    public string[] Images { get; init; } = [];
    public string Captions { get; init; } = CaptionsFile.FileName;
    public string Out { get; init; } = "export";
    public bool Tar { get; init; }

    public DatasetExportConfig Validate()
    {
        var problems = new List<string>();
        if (Images.Length == 0) problems.Add("images: at least one image folder is needed");
        if (string.IsNullOrWhiteSpace(Captions)) problems.Add("captions: a captions.jsonl path is needed");
        if (string.IsNullOrWhiteSpace(Out)) problems.Add("out: an output folder is needed");
        if (problems.Count > 0) throw new ArgumentException("export: " + string.Join("; ", problems));
        return this;
    }
}
