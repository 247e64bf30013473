using System.Globalization;
using System.Text.RegularExpressions;

namespace Kohaku.Diffusion.Sampling;

// A preview prompt line in kohya sd-scripts' syntax (train_util.line_to_prompt_dict): the prompt,
// then options split at " --": `n` negative prompt, `w`/`h` size, `s` steps (clamped to 1..1000),
// `l` guidance scale, `d` seed. As in sd-scripts, an option it does not know is ignored. Sizes are
// rounded down to a multiple of 64 (kohya rounds to 8; 64 suits every SDXL size and the buckets).
public sealed partial record SamplePrompt(string Prompt, string? Negative, SampleSettings Settings)
{
    public const int SizeStep = 64;

    public static SamplePrompt Parse(string line, SampleSettings defaults)
    {
        var parts = line.Split(" --");
        string? negative = null;
        var settings = defaults;
        foreach (var part in parts.Skip(1))
        {
            if (Number(part, "w") is { } w) settings = settings with { Width = Size(w) };
            else if (Number(part, "h") is { } h) settings = settings with { Height = Size(h) };
            else if (Number(part, "s") is { } s) settings = settings with { Steps = (int)Math.Clamp(s, 1, 1000) };
            else if (Number(part, "l", fraction: true) is { } l) settings = settings with { Cfg = l };
            else if (Number(part, "d") is { } d) settings = settings with { Seed = (long)d };
            else if (NegativeOption().Match(part) is { Success: true } n) negative = n.Groups[1].Value;
        }
        return new SamplePrompt(parts[0], negative, settings);
    }

    private static int Size(double pixels) => (int)Math.Max(SizeStep, pixels - pixels % SizeStep);

    // Python's re.match with IGNORECASE: anchored at the option's start, not at its end ("w 512px" is 512).
    private static double? Number(string part, string name, bool fraction = false)
    {
        var m = Regex.Match(part, fraction ? $@"^{name} ([\d.]+)" : $@"^{name} (\d+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        return m.Success && double.TryParse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) && v <= int.MaxValue ? v : null;
    }

    [GeneratedRegex("^n (.+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex NegativeOption();
}
