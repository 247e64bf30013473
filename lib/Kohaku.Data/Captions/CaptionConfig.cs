using Kohaku.Data.Config;

namespace Kohaku.Data.Captions;

// Run-file section "caption". Defaults are the Kohaku XL Δ values: HakuBooru as of the Δ export,
// its fixed fav_count table, and kohya's per-step shuffle with 10 % tag dropout after "|||".
public sealed record CaptionConfig : ISectionConfig
{
    public CaptionStyle Style { get; init; } = CaptionStyle.Delta;
    public QualityMode Quality { get; init; } = QualityMode.Table;
    // Per-step augmentation (trainer side): kohya --shuffle_caption --caption_tag_dropout_rate.
    public bool Shuffle { get; init; } = true;
    public double TagDropout { get; init; } = 0.1;
    public string KeepSeparator { get; init; } = HakuBooruTags.KeepSeparator;

    public static CaptionConfig Load(string runFile) => RunFile.LoadSection<CaptionConfig>(runFile, "caption");

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(Style)) problems.Add($"style: {(int)Style} (delta or current)");
        if (!Enum.IsDefined(Quality)) problems.Add($"quality: {(int)Quality} (table or computed)");
        if (double.IsNaN(TagDropout) || TagDropout is < 0 or >= 1) problems.Add($"tagDropout: {TagDropout} (0 ≤ p < 1)");
        if (KeepSeparator is null || KeepSeparator.Contains(',')) problems.Add($"keepSeparator: \"{KeepSeparator}\" (must not contain the tag separator ',')");
        return problems;
    }

    public CaptionConfig Validate() => SectionConfig.Validated(this, "caption");
}
