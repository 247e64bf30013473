using Kohaku.Diffusion.Nn;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sampling;

// Decoded VAE output (about [−1, 1]) → 8-bit RGB PNG bytes.
public static class PngEncoder
{
    // image: [3, H, W] (or [1, 3, H, W]) on any device and dtype.
    public static byte[] Encode(Tensor image)
    {
        using var scope = NewDisposeScope();
        var chw = image.ndim == 4 ? image[0] : image;
        var (h, w) = ((int)chw.shape[1], (int)chw.shape[2]);
        // [3, H, W] in [−1, 1] → [H, W, 3] bytes
        var hwc = chw.to(ScalarType.Float32).cpu().Plus(1).Times(127.5f).round().Clamped(0, 255).to(ScalarType.Byte).permute(1, 2, 0).contiguous();
        var pixels = hwc.bytes.ToArray();
        using var img = Image.LoadPixelData<Rgb24>(pixels, w, h);
        using var stream = new MemoryStream();
        img.SaveAsPng(stream);
        return stream.ToArray();
    }
}
