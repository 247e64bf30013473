namespace Kohaku.Diffusion.Sdxl;

// SDXL's micro-conditioning, all in (height, width) / (top, left) order and in image pixels
// (sdxl-arch.md §3.6; kohya-sdxl.md §1.5). Previews use original = target = the image size, crop 0.
public readonly record struct SizeCondition(int OriginalHeight, int OriginalWidth, int CropTop, int CropLeft, int TargetHeight, int TargetWidth)
{
    public static SizeCondition ForImage(int height, int width) => new(height, width, 0, 0, height, width);

    // The six scalars in the order the vector embeds them.
    public int[] Values => [OriginalHeight, OriginalWidth, CropTop, CropLeft, TargetHeight, TargetWidth];
}
