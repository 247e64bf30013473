namespace Kohaku.Data.Captions;

// Delta: HakuBooru as of the Kohaku XL Δ export (Feb 2024): no banned-artist filter, quality
// keys p95/85/75/50/25/10, no quality tag above id 7,000,000.
// Current: HakuBooru HEAD (KohakuCaptioner): banned-artist filter, keys p90/75/60/45/30/10, cut-off 7,500,000.
public enum CaptionStyle
{
    Delta,
    Current,
}

// Where the quality thresholds come from: HakuBooru's fixed fav_count table, or the same
// percentiles computed from the opened database.
public enum QualityMode
{
    Table,
    Computed,
}
