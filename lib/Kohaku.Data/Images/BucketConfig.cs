using Kohaku.Data.Config;
namespace Kohaku.Data.Images;

// Run-file section "buckets". Defaults are the Kohaku XL Δ dataset settings (docs/train_script.sh:
// --resolution 1024 --min_bucket_reso 256 --max_bucket_reso 4096 --bucket_reso_steps 64), which give
// kohya's 97-bucket list. Images are folders holding danbooru2023 `data-NXXX.tar` shards or loose
// `<id>.<ext>` files, searched in order; relative paths are resolved against the run file.
public sealed record BucketConfig : ISectionConfig
{
    public int Resolution { get; init; } = 1024;
    public int MinSide { get; init; } = 256;
    public int MaxSide { get; init; } = 4096;
    public int Step { get; init; } = 64;
    public bool NoUpscale { get; init; }
    public bool RandomCrop { get; init; }
    public string[] Images { get; init; } = ["sample/images"];
    public int Seed { get; init; }
    // Images whose header declares more pixels are skipped before decoding (decompression bombs).
    public long MaxImagePixels { get; init; } = ImageDecoder.DefaultMaxPixels;

    // Every bad field by name, or an empty list.
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        // kohya asserts SDXL bucket steps are divisible by 32 (verify_bucket_reso_steps(32)).
        if (Step <= 0 || Step % 32 != 0) problems.Add($"step: {Step} must be a positive multiple of 32");
        if (Resolution <= 0) problems.Add($"resolution: {Resolution} must be positive");
        if (MinSide <= 0) problems.Add($"minSide: {MinSide} must be positive");
        if (MaxSide < MinSide) problems.Add($"maxSide: {MaxSide} must be at least minSide {MinSide}");
        if (!NoUpscale && MinSide > 0 && Resolution < MinSide) problems.Add($"resolution: {Resolution} is below minSide {MinSide}");
        if (!NoUpscale && Resolution > MaxSide) problems.Add($"resolution: {Resolution} is above maxSide {MaxSide}");
        if (MaxImagePixels < 1) problems.Add($"maxImagePixels: {MaxImagePixels} must be ≥ 1");
        if (Images.Length == 0) problems.Add("images: at least one image folder is needed");
        if (Images.Any(string.IsNullOrWhiteSpace)) problems.Add("images: an entry is empty");
        return problems;
    }

    public BucketConfig Validate() => SectionConfig.Validated(this, "buckets");
}
