using System.CommandLine;
using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Sdxl;

namespace Kohaku.Cli.Verbs;

internal sealed class LokrVerb : IVerb
{
    public static Command Build()
    {
        var arch = new Option<string>("--arch") { Description = "Model size: sdxl or tiny (built on the meta device).", DefaultValueFactory = _ => "sdxl" };
        var preset = new Option<string>("--preset") { Description = $"LoKr preset: {string.Join(", ", LokrPreset.All.Select(p => p.Name))}, or a LyCORIS preset .toml file (data/presets/ holds the built-ins as files).", DefaultValueFactory = _ => LokrPreset.KohakuXlDelta.Name };
        var factor = new Option<long?>("--factor") { Description = "Use this factor for every module instead of the preset's." };
        var plan = new Command("plan", "List every targeted module (LyCORIS name, weight, factor, w1, w2, parameters, what selected it) and the totals.") { arch, preset, factor };
        plan.SetAction(parse => BadInput.Guard("lokr plan", () =>
        {
            var config = new LokrConfig { Preset = parse.GetValue(preset)!, Factor = parse.GetValue(factor) }.Validate();
            var sdxl = SdxlConfig.Presets.FirstOrDefault(p => p.Name == parse.GetValue(arch))
                ?? throw new ArgumentException($"--arch: unknown \"{parse.GetValue(arch)}\" (sdxl, tiny)");
            using var models = SdxlModels.CreateOnMeta(sdxl);
            var resolved = config.ResolvePreset();
            var targets = LokrNetwork.Plan(models, resolved);
            var source = config.PresetIsFile ? $" ({Path.GetFullPath(config.Preset)})" : "";
            Console.WriteLine($"# preset {resolved.Name}{source}, selected as LyCORIS 3.x's lycoris.kohya does: a module path (named_modules, e.g. output_blocks.0.0.in_layers.2)");
            Console.WriteLine($"# matching a target name ({(resolved.UseFnmatch ? "fnmatch, the whole path" : "Python re.match, anchored at the start only")}) takes that layer alone at its name_algo_map");
            Console.WriteLine("# settings (else its class's, else the network's); otherwise a target class takes every Linear/Conv inside at its module_algo_map");
            Console.WriteLine($"# settings (the nearest mapped class wins).{(resolved.EnableConv ? "" : " enable_conv off: k×k convs only where the settings name a dim.")}");
            Console.WriteLine($"# classes: {string.Join(", ", resolved.UnetTargetModules)}; text encoders: {string.Join(", ", resolved.TextEncoderTargetModules)}");
            Console.WriteLine($"# names: {string.Join(", ", resolved.UnetTargetNames)}; text encoders: {string.Join(", ", resolved.TextEncoderTargetNames)}; network factor {resolved.Default.Factor}");
            Console.WriteLine($"# module_algo_map: {string.Join(", ", resolved.ModuleAlgoMap.Select(kv => $"{kv.Key} factor {kv.Value.Factor}"))}; name_algo_map: {string.Join(", ", resolved.NameAlgoMap.Select(kv => $"{kv.Key} factor {kv.Value.Factor}"))}");
            static string S(long[] s) => "(" + string.Join(",", s) + ")";
            foreach (var t in targets)
            {
                var w2 = t.Shape.Tensors.Where(x => x.Suffix.StartsWith("lokr_w2", StringComparison.Ordinal) || x.Suffix == "lokr_t2").Select(x => S(x.Shape));
                var w1 = t.Shape.Tensors.Where(x => x.Suffix.StartsWith("lokr_w1", StringComparison.Ordinal)).Select(x => S(x.Shape));
                Console.WriteLine($"{t.Name}\t{S(t.Shape.Weight)}\tfactor {t.Factor}\tw1 {string.Join("·", w1)}\tw2 {string.Join("·", w2)}\t{t.Shape.ParameterCount:N0}\t{t.SelectedBy}");
            }
            foreach (var g in targets.GroupBy(t => (t.SelectedBy, t.Factor)))
                Console.WriteLine($"{g.Key.SelectedBy}, factor {g.Key.Factor}: {g.Count()} modules, {g.Sum(t => t.Shape.ParameterCount):N0} parameters");
            var lokr = targets.Sum(t => t.Shape.ParameterCount);
            var norms = LokrNetwork.NormParameterCount(models.Unet, models.Te1, models.Te2, resolved);
            Console.WriteLine($"modules: {targets.Count} ({targets.Count(t => t.Part == LokrPart.Unet)} UNet, {targets.Count(t => t.Part == LokrPart.TextEncoder)} text encoder)");
            Console.WriteLine($"parameters: {lokr:N0} LoKr + {norms:N0} norm = {lokr + norms:N0} ({2 * (lokr + norms) / 1e6:F1} MB in fp16)");
            return 0;
        }));
        var command = new Command("lokr", "LoKr network tools.");
        command.Subcommands.Add(plan);
        return command;
    }
}
