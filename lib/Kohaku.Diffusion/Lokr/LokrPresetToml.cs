using System.Globalization;
using System.Text;

namespace Kohaku.Diffusion.Lokr;

// A preset as the TOML file LyCORIS's kohya entry loads for `preset=<path>` (lycoris/utils/preset.py:
// toml.load; keys as LycorisNetworkKohya.apply_preset reads them). Every key is written, because
// apply_preset keeps the class-wide value of a key the file leaves out. The network-wide defaults are
// not in it: they are network_args (factor, dim, alpha, train_norm; LokrFile.Metadata). Read accepts
// the subset Write produces: one `key = value` per line, single-line arrays, `[module_algo_map.X]` tables.
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

    // The preset a TOML of Write's form describes, with the network-wide settings from network_args.
    public static LokrPreset Read(string toml, string name, LokrModuleConfig defaults, bool trainNorm)
    {
        var top = new Dictionary<string, object>(StringComparer.Ordinal);
        var maps = new Dictionary<string, Dictionary<string, object>>(StringComparer.Ordinal);
        Dictionary<string, object> table = top;
        foreach (var (raw, number) in toml.Split('\n').Select((l, i) => (l.Trim(), i + 1)))
        {
            if (raw.Length == 0 || raw.StartsWith('#')) continue;
            if (raw.StartsWith('['))
            {
                const string head = "[module_algo_map.";
                if (!raw.StartsWith(head, StringComparison.Ordinal) || !raw.EndsWith(']'))
                    throw Bad(number, $"unexpected table {raw}");
                var cls = raw[head.Length..^1].Trim('"');
                if (maps.ContainsKey(cls)) throw Bad(number, $"table {raw} appears twice");
                maps[cls] = table = new Dictionary<string, object>(StringComparer.Ordinal);
                continue;
            }
            var eq = raw.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw Bad(number, $"expected key = value, got {raw}");
            var key = raw[..eq].Trim();
            if (!table.TryAdd(key, Value(raw[(eq + 1)..].Trim(), number))) throw Bad(number, $"key {key} appears twice");
        }
        Expect(top, "enable_conv", true);
        Expect(top, "use_fnmatch", false);
        if (Strings(top, "text_encoder_target_name").Count > 0)
            throw new NotSupportedException("LoKr preset TOML: text_encoder_target_name is not supported (text encoders are selected by class only)");
        Unknown(top, ["enable_conv", "use_fnmatch", "unet_target_module", "unet_target_name", "text_encoder_target_module", "text_encoder_target_name"], "top level");
        var algoMap = maps.ToDictionary(kv => kv.Key, kv => ModuleConfig(kv.Key, kv.Value, defaults));
        return new LokrPreset(name, Strings(top, "unet_target_module"), Strings(top, "unet_target_name"),
            Strings(top, "text_encoder_target_module"), algoMap, defaults, trainNorm);
    }

    private static LokrModuleConfig ModuleConfig(string cls, Dictionary<string, object> t, LokrModuleConfig defaults)
    {
        Unknown(t, ["algo", "factor", "dim", "alpha", "full_matrix", "decompose_both", "use_tucker"], $"[module_algo_map.{cls}]");
        var algo = t.TryGetValue("algo", out var a) ? (string)a : defaults.Algorithm;
        if (algo != "lokr") throw new NotSupportedException($"LoKr preset TOML: module_algo_map.{cls} uses algo \"{algo}\"; only lokr is supported");
        long Integer(string key, long fallback) => t.TryGetValue(key, out var v) ? v as long? ?? throw new InvalidDataException($"LoKr preset TOML: module_algo_map.{cls}.{key} must be an integer") : fallback;
        bool Flag(string key) => t.TryGetValue(key, out var v) && (v as bool? ?? throw new InvalidDataException($"LoKr preset TOML: module_algo_map.{cls}.{key} must be true or false"));
        var alpha = t.TryGetValue("alpha", out var al) ? al switch { long l => l, double d => d, _ => throw new InvalidDataException($"LoKr preset TOML: module_algo_map.{cls}.alpha must be a number") } : defaults.Alpha;
        return new LokrModuleConfig(algo, Integer("factor", defaults.Factor), Integer("dim", defaults.Dim), alpha,
            Flag("full_matrix"), Flag("decompose_both"), Flag("use_tucker"));
    }

    private static object Value(string text, int line)
    {
        if (text == "true") return true;
        if (text == "false") return false;
        if (text.StartsWith('\'') || text.StartsWith('"')) return StringValue(text, line, out var rest) is var s && rest.Length == 0 ? s : throw Bad(line, $"text after string: {rest}");
        if (text.StartsWith('['))
        {
            var items = new List<string>();
            var rest = text[1..].TrimStart();
            while (!rest.StartsWith(']'))
            {
                items.Add(StringValue(rest, line, out rest));
                rest = rest.TrimStart();
                if (rest.StartsWith(',')) rest = rest[1..].TrimStart();
                else if (!rest.StartsWith(']')) throw Bad(line, $"expected , or ] in array, got {rest}");
            }
            return rest.Length == 1 ? items : throw Bad(line, $"text after array: {rest[1..]}");
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)) return integer;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)) return real;
        throw Bad(line, $"unsupported value {text}");
    }

    // A literal ('…', taken as is) or basic ("…", with \\ \" \n \t escapes) string at the start of text.
    private static string StringValue(string text, int line, out string rest)
    {
        if (text.StartsWith('\''))
        {
            var end = text.IndexOf('\'', 1);
            if (end < 0) throw Bad(line, "unterminated string");
            rest = text[(end + 1)..];
            return text[1..end];
        }
        if (!text.StartsWith('"')) throw Bad(line, $"expected a string, got {text}");
        var value = new StringBuilder();
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"') { rest = text[(i + 1)..]; return value.ToString(); }
            if (c != '\\') { value.Append(c); continue; }
            if (++i == text.Length) break;
            value.Append(text[i] switch
            {
                '\\' => '\\', '"' => '"', 'n' => '\n', 't' => '\t',
                var e => throw Bad(line, $"unsupported escape \\{e}"),
            });
        }
        throw Bad(line, "unterminated string");
    }

    private static IReadOnlyList<string> Strings(Dictionary<string, object> t, string key) =>
        t.TryGetValue(key, out var v) ? v as List<string> ?? throw new InvalidDataException($"LoKr preset TOML: {key} must be an array of strings")
            : throw new InvalidDataException($"LoKr preset TOML: missing {key}");

    private static void Expect(Dictionary<string, object> t, string key, bool value)
    {
        if (!t.TryGetValue(key, out var v) || v is not bool b) throw new InvalidDataException($"LoKr preset TOML: {key} must be true or false");
        if (b != value) throw new NotSupportedException($"LoKr preset TOML: {key} = {(b ? "true" : "false")} is not supported");
    }

    private static void Unknown(Dictionary<string, object> t, string[] known, string where)
    {
        if (t.Keys.FirstOrDefault(k => !known.Contains(k)) is { } key) throw new NotSupportedException($"LoKr preset TOML: unsupported key {key} at {where}");
    }

    private static InvalidDataException Bad(int line, string what) => new($"LoKr preset TOML line {line}: {what}");

    // Literal strings keep regex backslashes readable (`'out\..*'`); no pattern or class name holds a quote.
    private static string Str(string s) =>
        s.Contains('\'', StringComparison.Ordinal) || s.Contains('\n', StringComparison.Ordinal) ? throw new ArgumentException($"cannot write {s} as a TOML literal string") : $"'{s}'";

    private static string Array(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(Str)) + "]";

    private static string Key(string cls) => cls.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') ? cls : throw new ArgumentException($"cannot write {cls} as a bare TOML key");

    // An integral value without a fraction (10000), as a user writes it; TOML and LyCORIS take both forms.
    internal static string Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15 ? ((long)value).ToString(CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture);
}
