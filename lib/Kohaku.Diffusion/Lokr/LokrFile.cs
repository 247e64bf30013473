using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kohaku.Diffusion.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Lokr;

// The LyCORIS LoKr safetensors file as sd-scripts + LyCORIS write it and A1111/ComfyUI read it
// (lycoris-lokr.md §7): `<name>.alpha` (0-dim), `<name>.lokr_w1`, `<name>.lokr_w2` (4-D for convs,
// 1×1 too) or `_a`/`_b` (+ `lokr_t2`), `<norm>.w_norm`/`.b_norm` for trained norms, one dtype for all,
// `ss_*` metadata and `sshs_model_hash`.
public static class LokrFile
{
    // One entry per tensor in LyCORIS state-dict order: text-encoder modules, then UNet; alpha first.
    public static IReadOnlyList<SafeTensorEntry> Entries(LokrNetwork network, SafeDType dtype)
    {
        var list = new List<SafeTensorEntry>();
        var ordered = network.Modules.Zip(network.Targets).OrderBy(m => m.Second.Part == LokrPart.Unet ? 1 : 0);
        foreach (var (module, target) in ordered)
        {
            var alpha = target.Shape.Alpha;
            list.Add(new SafeTensorEntry($"{target.Name}.alpha", dtype, [], () => tensor((float)alpha)));
            foreach (var (suffix, p) in module.Factors)
                list.Add(new SafeTensorEntry($"{target.Name}.{suffix}", dtype, p.shape, () => p.detach().cpu().clone()));
        }
        foreach (var norm in network.Norms)
        {
            list.Add(new SafeTensorEntry($"{norm.Name}.w_norm", dtype, norm.Weight.shape, () => norm.WeightDelta().cpu()));
            if (norm.Bias is not null) list.Add(new SafeTensorEntry($"{norm.Name}.b_norm", dtype, norm.Bias.shape, () => norm.BiasDelta()!.cpu()));
        }
        return list;
    }

    // The metadata key holding the preset TOML that ss_network_args' `preset` names as a file.
    public const string PresetTomlKey = "ss_lycoris_preset";

    // sd-scripts' minimum metadata for a LyCORIS network (what --no_metadata keeps) plus the caller's.
    // ss_network_args is what sd-scripts stores for `--network_args k=v …`: json.dumps of the strings
    // LyCORIS's create_network reads. Its `preset` must be a LyCORIS builtin name or a TOML path
    // (read_preset returns None for anything else and create_network asserts), and no builtin carries
    // module_algo_map or the Δ name targets, so a preset other than "full" is written as a file name
    // whose TOML text is in ss_lycoris_preset: save that text under the name and the metadata restarts
    // training with sd-scripts + LyCORIS (`--network_module lycoris.kohya --network_dim D
    // --network_alpha A --network_args` followed by the args).
    public static Dictionary<string, string> Metadata(LokrNetwork network, IReadOnlyDictionary<string, string>? extra = null)
    {
        var preset = network.Preset;
        var d = preset.Default;
        var args = new List<(string, string)>
        {
            ("algo", d.Algorithm),
            ("preset", PresetArgument(preset)),
            ("factor", d.Factor.ToString(CultureInfo.InvariantCulture)),
            ("conv_dim", d.Dim.ToString(CultureInfo.InvariantCulture)),
            ("conv_alpha", LokrPresetToml.Number(d.Alpha)),
            ("train_norm", preset.TrainNorm ? "True" : "False"),
            ("dropout", "0"),
        };
        // Only when on: LyCORIS passes decompose_both on unparsed, so even "False" would turn it on.
        if (d.FullMatrix) args.Add(("full_matrix", "True"));
        if (d.DecomposeBoth) args.Add(("decompose_both", "True"));
        if (d.UseTucker) args.Add(("use_tucker", "True"));
        // DoKr as sd-scripts users switch it on: `dora_wd=True wd_on_output=True|False`.
        if (d.WeightDecompose)
        {
            args.Add(("dora_wd", "True"));
            args.Add(("wd_on_output", d.WdOnOutput ? "True" : "False"));
        }
        var metadata = new Dictionary<string, string>
        {
            ["ss_network_module"] = "lycoris.kohya",
            ["ss_network_dim"] = d.Dim.ToString(CultureInfo.InvariantCulture),
            ["ss_network_alpha"] = PythonFloat(d.Alpha),
            ["ss_network_args"] = PythonJson(args),
            [PresetTomlKey] = LokrPresetToml.Write(preset),
            ["ss_base_model_version"] = "sdxl_base_v1-0",
            ["ss_v2"] = "False",
            ["modelspec.sai_model_spec"] = "1.0.0",
            ["modelspec.architecture"] = "stable-diffusion-xl-v1-base/lora",
            ["modelspec.implementation"] = "https://github.com/Stability-AI/generative-models",
        };
        if (extra is not null) foreach (var (k, v) in extra) metadata[k] = v;
        return metadata;
    }

    // Our "full" is LyCORIS's builtin of that name on the SGM-named SDXL UNet (lycoris-lokr.md §7.4).
    private static string PresetArgument(LokrPreset preset) =>
        preset.Name == LokrPreset.Full.Name && preset.ModuleAlgoMap.Count == 0 ? "full" : preset.Name + ".toml";

    // The preset a file's metadata describes, read as LyCORIS's create_network would read it.
    public static LokrPreset ReadPreset(IReadOnlyDictionary<string, string> metadata)
    {
        string Get(string key) => metadata.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"LoKr metadata: missing {key}");
        if (Get("ss_network_module") != "lycoris.kohya") throw new NotSupportedException($"LoKr metadata: ss_network_module is \"{Get("ss_network_module")}\", not lycoris.kohya");
        var args = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Get("ss_network_args"))
            ?? throw new InvalidDataException("LoKr metadata: ss_network_args is null");
        string? Arg(string key) => args.TryGetValue(key, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;
        // LyCORIS's str_bool: anything but "false" (any case) is on.
        bool StrBool(string key) => Arg(key) is { } v && !v.Equals("false", StringComparison.OrdinalIgnoreCase);
        var algo = (Arg("algo") ?? "lora").ToLowerInvariant();
        if (algo != "lokr") throw new NotSupportedException($"LoKr metadata: algo is \"{algo}\", not lokr");
        var dim = long.Parse(Get("ss_network_dim"), CultureInfo.InvariantCulture);
        var alpha = double.Parse(Get("ss_network_alpha"), CultureInfo.InvariantCulture);
        if (Arg("conv_dim") is { } cd && long.Parse(cd, CultureInfo.InvariantCulture) != dim
            || Arg("conv_alpha") is { } ca && double.Parse(ca, CultureInfo.InvariantCulture) != alpha)
            throw new NotSupportedException("LoKr metadata: conv_dim/conv_alpha differ from the network dim/alpha; one dim and alpha for all layers is supported");
        var defaults = new LokrModuleConfig(algo, long.Parse(Arg("factor") ?? "-1", CultureInfo.InvariantCulture), dim, alpha,
            StrBool("full_matrix"), Arg("decompose_both") is { Length: > 0 }, StrBool("use_tucker"),
            WeightDecompose: StrBool("dora_wd"), WdOnOutput: Arg("wd_on_output") is null || StrBool("wd_on_output"));
        var presetArg = Arg("preset") ?? "full";
        if (!metadata.TryGetValue(PresetTomlKey, out var toml))
            return presetArg == "full" ? LokrPreset.Full with { Default = defaults, TrainNorm = StrBool("train_norm") }
                : throw new InvalidDataException($"LoKr metadata: preset \"{presetArg}\" is a file, and {PresetTomlKey} with its text is missing");
        var name = presetArg.EndsWith(".toml", StringComparison.Ordinal) ? Path.GetFileNameWithoutExtension(presetArg) : presetArg;
        return LokrPresetToml.Read(toml, name, defaults, StrBool("train_norm"), $"LoKr metadata {PresetTomlKey}");
    }

    // Python's str(float): 10000 → "10000.0" (sd-scripts stringifies --network_alpha, a float).
    private static string PythonFloat(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e16 ? value.ToString("F1", CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture);

    // Python's json.dumps of a dict of strings: ", " and ": " separators, non-ASCII as \uXXXX.
    private static string PythonJson(IEnumerable<(string Key, string Value)> items)
    {
        static string Quote(string s)
        {
            var b = new StringBuilder("\"");
            foreach (var c in s)
                b.Append(c switch
                {
                    '"' => "\\\"", '\\' => "\\\\", '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", '\b' => "\\b", '\f' => "\\f",
                    < ' ' or > '\x7f' => $"\\u{(int)c:x4}",
                    _ => c.ToString(),
                });
            return b.Append('"').ToString();
        }
        return "{" + string.Join(", ", items.Select(kv => $"{Quote(kv.Key)}: {Quote(kv.Value)}")) + "}";
    }

    // LyCORIS's sshs_model_hash: "0x" + SHA-256 over each tensor's raw little-endian bytes in state-dict order.
    public static string ModelHash(IEnumerable<SafeTensorEntry> entries)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var entry in entries)
        {
            using var scope = NewDisposeScope();
            var t = entry.Produce().to(entry.DType.ToScalarType()).contiguous();
            if (t.numel() > 0) sha.AppendData(t.bytes);
        }
        return "0x" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    public static void Save(string path, LokrNetwork network, SafeDType dtype = SafeDType.F16, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = Entries(network, dtype);
        var meta = Metadata(network, metadata);
        // The hash belongs in the header, so every tensor is produced twice (hash, then write) rather
        // than held: the Δ preset is 769 MB in fp16, and producing one costs a copy and a cast.
        meta["sshs_model_hash"] = ModelHash(entries);
        SafeTensorsWriter.Write(path, entries, meta);
    }

    // A file's tensors grouped by module name (the text before the first "."), suffix → tensor info.
    public static Dictionary<string, Dictionary<string, SafeTensorInfo>> Modules(SafeTensorsFile file)
    {
        var groups = new Dictionary<string, Dictionary<string, SafeTensorInfo>>(StringComparer.Ordinal);
        foreach (var info in file.Tensors)
        {
            var dot = info.Name.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0) throw new InvalidDataException($"{file.Path}: tensor '{info.Name}' is not <module>.<parameter>");
            var name = info.Name[..dot];
            if (!groups.TryGetValue(name, out var g)) groups[name] = g = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            g[info.Name[(dot + 1)..]] = info;
        }
        return groups;
    }

    // One line per module of a file: its tensors and shapes, parameters and alpha (what `inspect` shows).
    public sealed record ModuleSummary(string Name, string Tensors, long Parameters, double Alpha);

    public static IReadOnlyList<ModuleSummary> Summarize(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return Modules(file).Select(kv => new ModuleSummary(kv.Key,
                string.Join(" ", kv.Value.Where(t => t.Key != "alpha").Select(t => $"{t.Key}{t.Value.ShapeText}")),
                kv.Value.Where(t => t.Key != "alpha").Sum(t => t.Value.ElementCount),
                Alpha(file, kv.Key)))
            .ToList();
    }

    // Reads alpha as a double; an fp16 file may hold +inf (alpha 100000 overflowed), kept as is.
    public static double Alpha(SafeTensorsFile file, string module)
    {
        var key = module + ".alpha";
        if (!file.Contains(key)) return 0;
        using var t = file.Load(key, ScalarType.Float64);
        return t.numel() == 1 ? t.reshape(1)[0].item<double>() : throw new InvalidDataException($"{file.Path}: {key} has {t.numel()} elements, expected 1");
    }

    private static string Describe(LokrShape shape) =>
        string.Join(" ", shape.Tensors.Select(t => $"{t.Suffix}[{string.Join(",", t.Shape)}]"));

    // Loads a saved network into one built with the same preset: every module and norm must be in
    // the file with the layout the network expects, and the file may hold nothing else.
    public static void Load(string path, LokrNetwork network)
    {
        using var file = SafeTensorsFile.Open(path);
        var groups = Modules(file);
        var expected = new HashSet<string>(network.Targets.Select(t => t.Name).Concat(network.Norms.Select(n => n.Name)), StringComparer.Ordinal);
        var unknown = groups.Keys.Where(k => !expected.Contains(k)).Take(5).ToList();
        if (unknown.Count > 0) throw new InvalidDataException($"{path}: modules not in this network: {string.Join(", ", unknown)}");
        using var _ = no_grad();
        foreach (var (module, target) in network.Modules.Zip(network.Targets))
        {
            if (!groups.TryGetValue(target.Name, out var group)) throw new InvalidDataException($"{path}: missing module {target.Name}");
            var read = LokrShape.FromTensors(target.Name, target.Shape.Weight,
                group.Where(kv => kv.Key != "alpha").ToDictionary(kv => kv.Key, kv => kv.Value.Shape), Alpha(file, target.Name));
            var want = Describe(target.Shape);
            var got = Describe(read);
            if (want != got) throw new InvalidDataException($"{path}: {target.Name} holds {got}, this network expects {want}");
            if (!target.Shape.BothFull && Math.Abs(read.Alpha - target.Shape.Alpha) > 1e-3 * Math.Abs(target.Shape.Alpha))
                throw new InvalidDataException($"{path}: {target.Name}.alpha is {read.Alpha}, this network expects {target.Shape.Alpha}");
            foreach (var (suffix, p) in module.Factors)
            {
                using var t = file.Load($"{target.Name}.{suffix}", p.dtype, p.device);
                p.copy_(t);
            }
        }
        foreach (var norm in network.Norms)
        {
            if (!groups.ContainsKey(norm.Name)) throw new InvalidDataException($"{path}: missing norm {norm.Name}");
            using var w = file.Load($"{norm.Name}.w_norm", ScalarType.Float32);
            using var b = norm.Bias is null ? null : file.Load($"{norm.Name}.b_norm", ScalarType.Float32);
            norm.SetDeltas(w, b);
        }
    }
}
