namespace Kohaku.Diffusion.Sampling;

public enum SamplerKind { Euler, Ddim }

// One text-to-image request. Defaults follow kohya's preview defaults (30 steps, CFG 7.5); sizes are
// image pixels, multiples of SdxlSampler.SizeMultiple (32 for SDXL: 8× VAE, then two UNet halvings).
// Prediction and ZeroTerminalSnr describe the model: what it outputs and whether it was trained on
// the zero-terminal-SNR schedule (then it is sampled on that schedule, see SdxlSampler).
public sealed record SampleSettings(int Width = 512, int Height = 512, int Steps = 30, double Cfg = 7.5, long Seed = 0, SamplerKind Sampler = SamplerKind.Euler,
    Prediction Prediction = Prediction.Epsilon, bool ZeroTerminalSnr = false)
{
    public void Validate(int multiple)
    {
        var errors = new List<string>();
        if (Width <= 0 || Width % multiple != 0) errors.Add($"Width {Width} must be a positive multiple of {multiple}");
        if (Height <= 0 || Height % multiple != 0) errors.Add($"Height {Height} must be a positive multiple of {multiple}");
        if (Steps < 1 || Steps > NoiseSchedule.DefaultSteps) errors.Add($"Steps {Steps} must be 1..{NoiseSchedule.DefaultSteps}");
        if (Cfg < 0) errors.Add($"Cfg {Cfg} must be ≥ 0");
        if (errors.Count > 0) throw new ArgumentException($"sample settings: {string.Join("; ", errors)}");
    }
}
