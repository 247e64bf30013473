using System.CommandLine;
using Kohaku.Data.IO;
using Kohaku.Diffusion;
using Kohaku.Diffusion.Sampling;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Tokenizer;
using static TorchSharp.torch;

namespace Kohaku.Cli.Verbs;

internal sealed class GenerateVerb : IVerb
{
    public static Command Build()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Single-file SDXL checkpoint (sdxl or tiny).", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "Folder with vocab.json and merges.txt.", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "The prompt (up to 225 tokens).", Required = true };
        var negative = new Option<string?>("--negative") { Description = "Negative prompt; none: zero unconditional embeddings." };
        var output = new Option<string>("--out") { Description = "PNG file to write.", Required = true };
        var defaults = new SampleSettings();
        var width = new Option<int>("--width") { DefaultValueFactory = _ => defaults.Width };
        var height = new Option<int>("--height") { DefaultValueFactory = _ => defaults.Height };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => defaults.Steps };
        var cfg = new Option<double>("--cfg") { DefaultValueFactory = _ => defaults.Cfg };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => defaults.Seed };
        var sampler = new Option<SamplerKind>("--sampler") { DefaultValueFactory = _ => defaults.Sampler };
        var prediction = new Option<Prediction>("--prediction") { Description = "What the model outputs: epsilon (SDXL base) or v (v-prediction bases).", DefaultValueFactory = _ => defaults.Prediction };
        var zeroTerminalSnr = new Option<bool>("--zero-terminal-snr") { Description = "The model was trained with zero terminal SNR: sample on that schedule, trailing spacing." };
        var dtype = new Option<string>("--dtype") { Description = "Compute dtype: f32, bf16 or f16 (f16 only on GPU).", DefaultValueFactory = _ => "f32" };
        var command = new Command("generate", "Text to image with an SDXL checkpoint.") { checkpoint, tokenizer, prompt, negative, output, width, height, steps, cfg, seed, sampler, prediction, zeroTerminalSnr, dtype };
        command.SetAction(parse => BadInput.Guard("generate", () =>
        {
            var settings = new SampleSettings(parse.GetValue(width), parse.GetValue(height), parse.GetValue(steps), parse.GetValue(cfg), parse.GetValue(seed), parse.GetValue(sampler),
                parse.GetValue(prediction), parse.GetValue(zeroTerminalSnr));
            var tok = ClipTokenizer.FromFolder(parse.GetValue(tokenizer)!);
            var type = parse.GetValue(dtype) switch
            {
                "f32" => ScalarType.Float32,
                "bf16" => ScalarType.BFloat16,
                "f16" => ScalarType.Float16,
                var other => throw new ArgumentException($"--dtype {other}: expected f32, bf16 or f16"),
            };
            using var models = SdxlCheckpoint.Load(parse.GetValue(checkpoint)!, null, TorchRuntime.DefaultDevice, type);
            var negativeText = parse.GetValue(negative);
            var png = SdxlSampler.Generate(models, PromptIds.Encode(tok, parse.GetValue(prompt)!),
                negativeText is null ? null : PromptIds.Encode(tok, negativeText), settings,
                callback: step => Console.Error.Write($"\rstep {step.Index + 1}/{step.Count}"));
            Console.Error.WriteLine();
            var path = Path.GetFullPath(parse.GetValue(output)!);
            AtomicFile.Write(path, stream => stream.Write(png));
            Console.WriteLine($"{path}: {settings.Width}×{settings.Height}, {models.Config.Name}, seed {settings.Seed}");
            return 0;
        }));
        return command;
    }
}
