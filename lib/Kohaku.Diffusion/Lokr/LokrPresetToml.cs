using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Tomlyn;
using Tomlyn.Model;

namespace Kohaku.Diffusion.Lokr;

// A preset as the TOML file LyCORIS's kohya entry loads for `preset=<path>` (lycoris/utils/preset.py:
// toml.load; keys as LycorisNetworkKohya.apply_preset reads them). Every key is written, because
// apply_preset keeps the class-wide value of a key the file leaves out. The network-wide defaults are
// not in it: they are network_args (factor, dim, alpha, train_norm; LokrFile.Metadata). Write formats
// the few keys itself (literal strings keep regex backslashes readable); Read parses any TOML (Tomlyn).
public static class LokrPresetToml
{
    private static readonly string[] TopKeys =
        ["enable_conv", "use_fnmatch", "unet_target_module", "unet_target_name", "text_encoder_target_module", "text_encoder_target_name", "module_algo_map", "name_algo_map"];

    private static readonly string[] EntryKeys =
        ["algo", "factor", "dim", "alpha", "full_matrix", "decompose_both", "use_tucker", "weight_decompose", "wd_on_output"];

    // LycorisNetworkKohya's class-wide values (LyCORIS 3.3.0), which a key the file leaves out keeps.
    private static readonly string[] LycorisUnetModules =
    [
        "Transformer2DModel", "ResnetBlock2D", "Downsample2D", "Upsample2D", "HunYuanDiTBlock", "DoubleStreamBlock", "SingleStreamBlock",
        "SingleDiTBlock", "MMDoubleStreamBlock", "MMSingleStreamBlock", "WanAttentionBlock", "HunyuanVideoTransformerBlock",
        "HunyuanVideoSingleTransformerBlock", "JointTransformerBlock", "FinalLayer", "QwenImageTransformerBlock",
    ];

    private static readonly string[] LycorisUnetNames = ["conv_in", "conv_out", "time_embedding.linear_1", "time_embedding.linear_2"];

    private static readonly string[] LycorisTextEncoderModules =
        ["CLIPAttention", "CLIPSdpaAttention", "CLIPMLP", "MT5Block", "BertLayer", "Gemma2Attention", "Gemma2FlashAttention2", "Gemma2SdpaAttention", "Gemma2MLP"];

    public static string Write(LokrPreset preset)
    {
        var text = new StringBuilder();
        text.Append($"enable_conv = {Bool(preset.EnableConv)}\n");
        // Target names are Python re.match patterns (anchored at the start only) on module paths.
        text.Append($"use_fnmatch = {Bool(preset.UseFnmatch)}\n");
        text.Append($"unet_target_module = {Array(preset.UnetTargetModules)}\n");
        text.Append($"unet_target_name = {Array(preset.UnetTargetNames)}\n");
        text.Append($"text_encoder_target_module = {Array(preset.TextEncoderTargetModules)}\n");
        text.Append($"text_encoder_target_name = {Array(preset.TextEncoderTargetNames)}\n");
        foreach (var (cls, config) in preset.ModuleAlgoMap) Entry(text, $"module_algo_map.{Key(cls)}", config);
        foreach (var (name, config) in preset.NameAlgoMap) Entry(text, $"name_algo_map.{Str(name)}", config);
        return text.ToString();
    }

    private static void Entry(StringBuilder text, string table, LokrModuleConfig config)
    {
        text.Append($"\n[{table}]\n");
        text.Append($"algo = {Str(config.Algorithm)}\n");
        text.Append($"factor = {config.Factor.ToString(CultureInfo.InvariantCulture)}\n");
        // Only a dim the entry gave: with enable_conv = false it is what lets k×k convs in.
        if (config.DimGiven) text.Append($"dim = {config.Dim.ToString(CultureInfo.InvariantCulture)}\n");
        text.Append($"alpha = {Number(config.Alpha)}\n");
        if (config.FullMatrix) text.Append("full_matrix = true\n");
        if (config.DecomposeBoth) text.Append("decompose_both = true\n");
        if (config.UseTucker) text.Append("use_tucker = true\n");
        if (config.WeightDecompose) text.Append("weight_decompose = true\n");
        if (!config.WdOnOutput) text.Append("wd_on_output = false\n");
    }

    // The preset a LyCORIS preset TOML describes (parsed by Tomlyn), with the network-wide settings
    // from network_args. `source` names the file in every error. LyCORIS ignores keys it does not know
    // (a typo such as `unet_target_modules` silently trains its default selection) and passes unknown
    // entry keys to the module; here both are an error, as is any algo but lokr.
    public static LokrPreset Read(string toml, string name, LokrModuleConfig defaults, bool trainNorm, string source = "LoKr preset TOML")
    {
        TomlTable top;
        try
        {
            top = TomlSerializer.Deserialize<TomlTable>(toml) ?? new TomlTable();
        }
        catch (TomlException e)
        {
            throw new InvalidDataException($"{source}: not valid TOML: {e.Message}", e);
        }
        Unknown(top, TopKeys, source, "");
        var preset = new LokrPreset(name,
            Strings(top, "unet_target_module", LycorisUnetModules, source),
            Strings(top, "unet_target_name", LycorisUnetNames, source),
            Strings(top, "text_encoder_target_module", LycorisTextEncoderModules, source),
            Entries(top, "module_algo_map", defaults, source).ToDictionary(),
            defaults, trainNorm)
        {
            TextEncoderTargetNames = Strings(top, "text_encoder_target_name", [], source),
            NameAlgoMap = Entries(top, "name_algo_map", defaults, source),
            EnableConv = Flag(top, "enable_conv", true, source, ""),
            UseFnmatch = Flag(top, "use_fnmatch", false, source, ""),
        };
        // Every pattern compiles now, so a bad one is named here and not midway through the walk.
        foreach (var (key, patterns) in new[] { ("unet_target_name", preset.UnetTargetNames), ("text_encoder_target_name", preset.TextEncoderTargetNames), ("name_algo_map", preset.NameAlgoMap.Select(kv => kv.Key).ToList()) })
            foreach (var pattern in patterns)
            {
                try
                {
                    preset.Pattern(pattern);
                }
                catch (ArgumentException e)
                {
                    throw new InvalidDataException($"{source}: {key}: '{pattern}' is not a pattern ({e.Message})", e);
                }
            }
        return preset;
    }

    private static List<KeyValuePair<string, LokrModuleConfig>> Entries(TomlTable top, string key, LokrModuleConfig defaults, string source)
    {
        if (!top.TryGetValue(key, out var value)) return [];
        var map = value as TomlTable ?? throw new InvalidDataException($"{source}: {key} must be a table of tables");
        return map.Select(kv => KeyValuePair.Create(kv.Key, ModuleConfig($"{key}.{kv.Key}",
            kv.Value as TomlTable ?? throw new InvalidDataException($"{source}: {key}.{kv.Key} must be a table"), defaults, source))).ToList();
    }

    // One map entry: LyCORIS passes its keys to create_single_module, where a dim or alpha of 0 is
    // unset (`dim or lora_dim`) and the rest fall back to the network_args.
    private static LokrModuleConfig ModuleConfig(string where, TomlTable t, LokrModuleConfig defaults, string source)
    {
        Unknown(t, EntryKeys, source, where + ".");
        var algo = t.TryGetValue("algo", out var a) ? a as string ?? throw new InvalidDataException($"{source}: {where}.algo must be a string") : defaults.Algorithm;
        if (algo != "lokr") throw new NotSupportedException($"{source}: {where}.algo: \"{algo}\" is not supported; this trainer trains lokr only");
        var factor = t.TryGetValue("factor", out var f) ? f as long? ?? throw new InvalidDataException($"{source}: {where}.factor must be an integer") : defaults.Factor;
        if (factor == 0 || factor < -1) throw new InvalidDataException($"{source}: {where}.factor: {factor} must be -1 or positive");
        var dim = t.TryGetValue("dim", out var d) ? d switch
        {
            long l => l,
            double x when x == Math.Floor(x) && Math.Abs(x) < 9e18 => (long)x,
            _ => throw new InvalidDataException($"{source}: {where}.dim must be a whole number"),
        } : 0;
        if (dim < 0) throw new InvalidDataException($"{source}: {where}.dim: {dim} must be positive");
        var alpha = t.TryGetValue("alpha", out var al) ? al switch { long l => l, double x when double.IsFinite(x) => x, _ => throw new InvalidDataException($"{source}: {where}.alpha must be a number") } : 0;
        return new LokrModuleConfig(algo, factor, dim != 0 ? dim : defaults.Dim, alpha != 0 ? alpha : defaults.Alpha,
            Flag(t, "full_matrix", false, source, where + "."), Flag(t, "decompose_both", false, source, where + "."), Flag(t, "use_tucker", false, source, where + "."),
            Flag(t, "weight_decompose", false, source, where + "."), Flag(t, "wd_on_output", true, source, where + "."), DimGiven: dim != 0);
    }

    private static IReadOnlyList<string> Strings(TomlTable t, string key, IReadOnlyList<string> fallback, string source) =>
        t.TryGetValue(key, out var v)
            ? v is TomlArray array && array.All(x => x is string) ? array.Cast<string>().ToList() : throw new InvalidDataException($"{source}: {key} must be an array of strings")
            : fallback;

    private static bool Flag(TomlTable t, string key, bool fallback, string source, string where) =>
        t.TryGetValue(key, out var v) ? v as bool? ?? throw new InvalidDataException($"{source}: {where}{key} must be true or false") : fallback;

    private static void Unknown(TomlTable t, string[] known, string source, string where)
    {
        if (t.Keys.FirstOrDefault(k => !known.Contains(k)) is { } key)
            throw new NotSupportedException($"{source}: unknown key {where}{key} (known: {string.Join(", ", known)})");
    }

    // Python's fnmatch.translate for *, ?, [seq] and [!seq]; everything else is literal. The whole
    // path must match.
    internal static string FnmatchRegex(string pattern)
    {
        var regex = new StringBuilder("^(?:");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*') regex.Append(".*");
            else if (c == '?') regex.Append('.');
            else if (c == '[' && SetEnd(pattern, i) is var end && end > 0)
            {
                var set = pattern[(i + 1)..end].Replace(@"\", @"\\", StringComparison.Ordinal);
                regex.Append('[').Append(set.StartsWith('!') ? "^" + set[1..] : set.StartsWith('^') ? @"\" + set : set).Append(']');
                i = end;
            }
            else regex.Append(Regex.Escape(c.ToString()));
        }
        return regex.Append(@")\z").ToString();
    }

    // Where a set opened at `open` closes (a "]" first in the set is a member), or -1: then "[" is literal.
    private static int SetEnd(string pattern, int open)
    {
        var j = open + 1;
        if (j < pattern.Length && pattern[j] == '!') j++;
        if (j < pattern.Length && pattern[j] == ']') j++;
        while (j < pattern.Length && pattern[j] != ']') j++;
        return j < pattern.Length ? j : -1;
    }

    private static string Bool(bool value) => value ? "true" : "false";

    // Literal strings keep regex backslashes readable (`'out\..*'`); no pattern or class name holds a quote.
    private static string Str(string s) =>
        s.Contains('\'', StringComparison.Ordinal) || s.Contains('\n', StringComparison.Ordinal) ? throw new ArgumentException($"cannot write {s} as a TOML literal string") : $"'{s}'";

    private static string Array(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(Str)) + "]";

    private static string Key(string cls) => cls.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') ? cls : throw new ArgumentException($"cannot write {cls} as a bare TOML key");

    // An integral value without a fraction (10000), as a user writes it; TOML and LyCORIS take both forms.
    internal static string Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15 ? ((long)value).ToString(CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture);
}
