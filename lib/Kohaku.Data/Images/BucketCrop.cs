using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;

namespace Kohaku.Data.Images;

// kohya `trim_and_resize_if_required`: resize to the covering size, cut the bucket out (centre:
// excess // 2; random: uniform in [0, excess]), then to CHW floats with (x/255 − 0.5)/0.5.
// Resampling: kohya main uses OpenCV INTER_AREA when shrinking and PIL LANCZOS when growing.
// ImageSharp's Box filter, widened by the scale factor when shrinking, averages the source pixels
// under each output pixel (area averaging, with whole-pixel instead of fractional edge weights);
// Lanczos3 is PIL's LANCZOS (a = 3). Resize and cut run as one pass: ImageSharp resizes into a
// target rectangle that overhangs the bucket canvas and only computes the pixels inside it.
public static class BucketCrop
{
    public static IResampler SamplerFor(int width, int height, BucketChoice choice) =>
        choice.ResizedWidth < width && choice.ResizedHeight < height ? KnownResamplers.Box : KnownResamplers.Lanczos3;

    // (left, top) cut from the resized image: centred, or uniform in [0, excess] from `random`.
    public static (int Left, int Top) CutOffsets(BucketChoice choice, Random? random)
    {
        int excessX = choice.ResizedWidth - choice.Bucket.Width, excessY = choice.ResizedHeight - choice.Bucket.Height;
        if (excessX < 0 || excessY < 0) throw new ArgumentException($"resized {choice.ResizedWidth}x{choice.ResizedHeight} does not cover bucket {choice.Bucket}");
        return random is null ? (excessX / 2, excessY / 2) : (random.Next(excessX + 1), random.Next(excessY + 1));
    }

    // Resizes and cuts in place: the image becomes bucket-sized.
    public static void ResizeAndCut(Image<Rgb24> image, BucketChoice choice, int left, int top)
    {
        var bucket = choice.Bucket;
        bool sameSize = choice.ResizedWidth == image.Width && choice.ResizedHeight == image.Height;
        if (sameSize)
        {
            if (image.Width != bucket.Width || image.Height != bucket.Height)
                image.Mutate(x => x.Crop(new Rectangle(left, top, bucket.Width, bucket.Height)));
            return;
        }
        var options = new ResizeOptions
        {
            Mode = ResizeMode.Manual,
            Size = new Size(bucket.Width, bucket.Height),
            TargetRectangle = new Rectangle(-left, -top, choice.ResizedWidth, choice.ResizedHeight),
            Sampler = SamplerFor(image.Width, image.Height, choice),
        };
        image.Mutate(x => x.Resize(options));
    }

    // CHW, channel planes R, G, B; 0 → −1, 255 → 1.
    public static float[] ToChw(Image<Rgb24> image)
    {
        int width = image.Width, height = image.Height, plane = width * height;
        var chw = new float[3 * plane];
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < height; y++)
            {
                var row = rows.GetRowSpan(y);
                int at = y * width;
                for (int x = 0; x < width; x++)
                {
                    var p = row[x];
                    chw[at + x] = p.R / 127.5f - 1f;
                    chw[plane + at + x] = p.G / 127.5f - 1f;
                    chw[2 * plane + at + x] = p.B / 127.5f - 1f;
                }
            }
        });
        return chw;
    }
}
