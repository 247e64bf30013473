using System.Globalization;
using System.Text;
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
    public static string Write(LokrPreset preset)
    {
        var text = new StringBuilder();
        text.Append("enable_conv = true\n");
        // Target names are Python re.match patterns (anchored at the start only) on module paths.
        text.Append("use_fnmatch = false\n");
        text.Append($"unet_target_module = {Array(preset.UnetTargetModules)}\n");
        text.Append($"unet_target_name = {Array(preset.UnetTargetNames)}\n");
        text.Append($"text_encoder_target_module = {Array(preset.TextEncoderTargetModules)}\n");
        text.Append("text_encoder_target_name = []\n");
        foreach (var (cls, config) in preset.ModuleAlgoMap)
        {
            text.Append($"\n[module_algo_map.{Key(cls)}]\n");
            text.Append($"algo = {Str(config.Algorithm)}\n");
            text.Append($"factor = {config.Factor.ToString(CultureInfo.InvariantCulture)}\n");
            text.Append($"dim = {config.Dim.ToString(CultureInfo.InvariantCulture)}\n");
            text.Append($"alpha = {Number(config.Alpha)}\n");
            if (config.FullMatrix) text.Append("full_matrix = true\n");
            if (config.DecomposeBoth) text.Append("decompose_both = true\n");
            if (config.UseTucker) text.Append("use_tucker = true\n");
        }
        return text.ToString();
    }

    // The preset a LyCORIS preset TOML describes (parsed by Tomlyn), with the network-wide settings
    // from network_args. Keys this trainer cannot honour are an error, never silently dropped.
    public static LokrPreset Read(string toml, string name, LokrModuleConfig defaults, bool trainNorm)
    {
        TomlTable top;
        try
        {
            top = TomlSerializer.Deserialize<TomlTable>(toml) ?? new TomlTable();
        }
        catch (TomlException e)
        {
            throw new InvalidDataException($"LoKr preset TOML: {e.Message}", e);
        }
        Expect(top, "enable_conv", true);
        Expect(top, "use_fnmatch", false);
        if (top.ContainsKey("text_encoder_target_name") && Strings(top, "text_encoder_target_name").Count > 0)
            throw new NotSupportedException("LoKr preset TOML: text_encoder_target_name is not supported (text encoders are selected by class only)");
        Unknown(top, ["enable_conv", "use_fnmatch", "unet_target_module", "unet_target_name", "text_encoder_target_module", "text_encoder_target_name", "module_algo_map"], "top level");
        var maps = top.TryGetValue("module_algo_map", out var m)
            ? m as TomlTable ?? throw new InvalidDataException("LoKr preset TOML: module_algo_map must be a table of tables")
            : new TomlTable();
        var algoMap = maps.ToDictionary(kv => kv.Key, kv => ModuleConfig(kv.Key,
            kv.Value as TomlTable ?? throw new InvalidDataException($"LoKr preset TOML: module_algo_map.{kv.Key} must be a table"), defaults));
        return new LokrPreset(name, Strings(top, "unet_target_module"), Strings(top, "unet_target_name"),
            Strings(top, "text_encoder_target_module"), algoMap, defaults, trainNorm);
    }

    private static LokrModuleConfig ModuleConfig(string cls, TomlTable t, LokrModuleConfig defaults)
    {
        Unknown(t, ["algo", "factor", "dim", "alpha", "full_matrix", "decompose_both", "use_tucker"], $"[module_algo_map.{cls}]");
        var algo = t.TryGetValue("algo", out var a) ? a as string ?? throw new InvalidDataException($"LoKr preset TOML: module_algo_map.{cls}.algo must be a string") : defaults.Algorithm;
        if (algo != "lokr") throw new NotSupportedException($"LoKr preset TOML: module_algo_map.{cls} uses algo \"{algo}\"; only lokr is supported");
        long Integer(string key, long fallback) => t.TryGetValue(key, out var v) ? v as long? ?? throw new InvalidDataException($"LoKr preset TOML: module_algo_map.{cls}.{key} must be an integer") : fallback;
        bool Flag(string key) => t.TryGetValue(key, out var v) && (v as bool? ?? throw new InvalidDataException($"LoKr preset TOML: module_algo_map.{cls}.{key} must be true or false"));
        var alpha = t.TryGetValue("alpha", out var al) ? al switch { long l => l, double d => d, _ => throw new InvalidDataException($"LoKr preset TOML: module_algo_map.{cls}.alpha must be a number") } : defaults.Alpha;
        return new LokrModuleConfig(algo, Integer("factor", defaults.Factor), Integer("dim", defaults.Dim), alpha,
            Flag("full_matrix"), Flag("decompose_both"), Flag("use_tucker"));
    }

    private static IReadOnlyList<string> Strings(TomlTable t, string key) =>
        t.TryGetValue(key, out var v)
            ? v is TomlArray array && array.All(x => x is string) ? array.Cast<string>().ToList() : throw new InvalidDataException($"LoKr preset TOML: {key} must be an array of strings")
            : throw new InvalidDataException($"LoKr preset TOML: missing {key}");

    private static void Expect(TomlTable t, string key, bool value)
    {
        if (!t.TryGetValue(key, out var v) || v is not bool b) throw new InvalidDataException($"LoKr preset TOML: {key} must be true or false");
        if (b != value) throw new NotSupportedException($"LoKr preset TOML: {key} = {(b ? "true" : "false")} is not supported");
    }

    private static void Unknown(TomlTable t, string[] known, string where)
    {
        if (t.Keys.FirstOrDefault(k => !known.Contains(k)) is { } key) throw new NotSupportedException($"LoKr preset TOML: unsupported key {key} at {where}");
    }

    // Literal strings keep regex backslashes readable (`'out\..*'`); no pattern or class name holds a quote.
    private static string Str(string s) =>
        s.Contains('\'', StringComparison.Ordinal) || s.Contains('\n', StringComparison.Ordinal) ? throw new ArgumentException($"cannot write {s} as a TOML literal string") : $"'{s}'";

    private static string Array(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(Str)) + "]";

    private static string Key(string cls) => cls.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') ? cls : throw new ArgumentException($"cannot write {cls} as a bare TOML key");

    // An integral value without a fraction (10000), as a user writes it; TOML and LyCORIS take both forms.
    internal static string Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15 ? ((long)value).ToString(CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture);
}
