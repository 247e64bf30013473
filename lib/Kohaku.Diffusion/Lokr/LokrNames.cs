using System.Text.RegularExpressions;
using Kohaku.Diffusion.Sdxl;

namespace Kohaku.Diffusion.Lokr;

// Where a LoKr/LyCORIS module name points in an SDXL single-file checkpoint. UNet names are SGM paths
// with "." → "_" (`lora_unet_input_blocks_4_1_…`); text encoders use the HF transformers form as
// sd-scripts trains them: TE1 is stored in that form already, TE2 (OpenCLIP in the checkpoint) is
// renamed, and its fused in_proj_weight splits into q, k, v row thirds (lycoris-lokr.md §7.4, §9).
public static partial class LokrNames
{
    public const string UnetPrefix = "lora_unet";
    public const string Te1Prefix = "lora_te1";
    public const string Te2Prefix = "lora_te2";

    public const string UnetCheckpointPrefix = SdxlModels.UnetPrefix;
    public const string Te1CheckpointPrefix = SdxlModels.Te1Prefix;
    public const string Te2CheckpointPrefix = SdxlModels.Te2Prefix;

    // A tensor of the checkpoint a module changes: Third = 0/1/2 selects q/k/v rows of a fused in_proj_weight.
    public readonly record struct CheckpointSlot(string Key, int? Third = null);

    public static string Unet(string sgmPath) => $"{UnetPrefix}_{Underscore(sgmPath)}";

    public static string Te1(string hfPath) => $"{Te1Prefix}_{Underscore(hfPath)}";

    // TE2 module path in OpenCLIP form (`transformer.resblocks.3.mlp.c_fc`) → `lora_te2_text_model_encoder_layers_3_mlp_fc1`.
    public static string Te2(string openClipPath) => $"{Te2Prefix}_{Underscore(Te2HfPath(openClipPath))}";

    public static string Te2Qkv(int layer, char which) =>
        which is 'q' or 'k' or 'v' ? $"{Te2Prefix}_text_model_encoder_layers_{layer}_self_attn_{which}_proj"
            : throw new ArgumentOutOfRangeException(nameof(which), which, "q, k or v");

    public static string Te2HfPath(string openClipPath)
    {
        var m = ResblockPattern().Match(openClipPath);
        if (!m.Success) return openClipPath.StartsWith("ln_final", StringComparison.Ordinal) ? "text_model.final_layer_norm" + openClipPath["ln_final".Length..] : "text_model." + openClipPath;
        var rest = m.Groups["rest"].Value switch
        {
            var r when r.StartsWith("attn.", StringComparison.Ordinal) => "self_attn." + r["attn.".Length..],
            "attn" => "self_attn",
            "mlp.c_fc" => "mlp.fc1",
            "mlp.c_proj" => "mlp.fc2",
            "ln_1" => "layer_norm1",
            "ln_2" => "layer_norm2",
            var r => r,
        };
        return $"text_model.encoder.layers.{m.Groups["layer"].Value}.{rest}";
    }

    // Every module name a checkpoint's keys can be targeted by, with the tensor it changes (".weight"
    // keys; norms' ".bias" too, for w_norm/b_norm). ComfyUI resolves LoRA keys the same way: from the
    // model's keys forward, since "_" cannot be split back into path segments.
    public static IReadOnlyDictionary<string, CheckpointSlot> Targets(IEnumerable<string> checkpointKeys, string suffix = ".weight")
    {
        var map = new Dictionary<string, CheckpointSlot>(StringComparer.Ordinal);
        foreach (var key in checkpointKeys)
        {
            if (key.StartsWith(Te2CheckpointPrefix, StringComparison.Ordinal) && key.EndsWith(".attn.in_proj_weight", StringComparison.Ordinal) && suffix == ".weight")
            {
                var m = ResblockPattern().Match(key[Te2CheckpointPrefix.Length..]);
                if (!m.Success) continue;
                var layer = int.Parse(m.Groups["layer"].Value, System.Globalization.CultureInfo.InvariantCulture);
                for (var i = 0; i < 3; i++) map[Te2Qkv(layer, "qkv"[i])] = new CheckpointSlot(key, i);
                continue;
            }
            if (!key.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var path = key[..^suffix.Length];
            if (path.StartsWith(UnetCheckpointPrefix, StringComparison.Ordinal)) map[Unet(path[UnetCheckpointPrefix.Length..])] = new(key);
            else if (path.StartsWith(Te1CheckpointPrefix, StringComparison.Ordinal)) map[Te1(path[Te1CheckpointPrefix.Length..])] = new(key);
            else if (path.StartsWith(Te2CheckpointPrefix, StringComparison.Ordinal)) map[Te2(path[Te2CheckpointPrefix.Length..])] = new(key);
        }
        return map;
    }

    private static string Underscore(string path) => path.Replace('.', '_');

    [GeneratedRegex(@"^transformer\.resblocks\.(?<layer>\d+)\.(?<rest>.+)$")]
    private static partial Regex ResblockPattern();
}
