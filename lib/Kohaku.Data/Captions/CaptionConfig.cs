using Kohaku.Data.Config;

namespace Kohaku.Data.Captions;

// Run-file section "caption". Defaults are the Kohaku XL Δ values: HakuBooru as of the Δ export and
// its fixed fav_count table. The per-step shuffle and tag dropout happen in training, so they are
// fields of the "train" section (shuffleCaption, captionTagDropout, keepTokensSeparator), read there only.
public sealed record CaptionConfig : ISectionConfig
{
    public CaptionStyle Style { get; init; } = CaptionStyle.Delta;
    public QualityMode Quality { get; init; } = QualityMode.Table;

    public static CaptionConfig Load(string runFile) => RunFile.LoadSection<CaptionConfig>(runFile, "caption");

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(Style)) problems.Add($"style: {(int)Style} (delta or current)");
        if (!Enum.IsDefined(Quality)) problems.Add($"quality: {(int)Quality} (table or computed)");
        return problems;
    }

    public CaptionConfig Validate() => SectionConfig.Validated(this, "caption");
}
