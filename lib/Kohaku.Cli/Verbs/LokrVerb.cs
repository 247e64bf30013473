using System.CommandLine;
using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Sdxl;

namespace Kohaku.Cli.Verbs;

internal sealed class LokrVerb : IVerb
{
    public static Command Build()
    {
        var arch = new Option<string>("--arch") { Description = "Model size: sdxl or tiny (built on the meta device).", DefaultValueFactory = _ => "sdxl" };
        var preset = new Option<string>("--preset") { Description = $"LoKr preset: {string.Join(", ", LokrPreset.All.Select(p => p.Name))}.", DefaultValueFactory = _ => LokrPreset.KohakuXlDelta.Name };
        var factor = new Option<long?>("--factor") { Description = "Use this factor for every module instead of the preset's." };
        var plan = new Command("plan", "List every targeted module (LyCORIS name, weight, w1, w2, parameters) and the totals.") { arch, preset, factor };
        plan.SetAction(parse => BadInput.Guard("lokr plan", () =>
        {
            var config = new LokrConfig { Preset = parse.GetValue(preset)!, Factor = parse.GetValue(factor) }.Validate();
            var sdxl = SdxlConfig.Presets.FirstOrDefault(p => p.Name == parse.GetValue(arch))
                ?? throw new ArgumentException($"--arch: unknown \"{parse.GetValue(arch)}\" (sdxl, tiny)");
            using var models = SdxlModels.CreateOnMeta(sdxl);
            var resolved = config.ResolvePreset();
            var targets = LokrNetwork.Plan(models, resolved);
            static string S(long[] s) => "(" + string.Join(",", s) + ")";
            foreach (var t in targets)
            {
                var w2 = t.Shape.Tensors.Where(x => x.Suffix.StartsWith("lokr_w2", StringComparison.Ordinal) || x.Suffix == "lokr_t2").Select(x => S(x.Shape));
                var w1 = t.Shape.Tensors.Where(x => x.Suffix.StartsWith("lokr_w1", StringComparison.Ordinal)).Select(x => S(x.Shape));
                Console.WriteLine($"{t.Name}\t{S(t.Shape.Weight)}\tw1 {string.Join("·", w1)}\tw2 {string.Join("·", w2)}\t{t.Shape.ParameterCount:N0}");
            }
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
