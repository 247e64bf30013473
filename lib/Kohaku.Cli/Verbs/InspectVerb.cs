using System.CommandLine;
using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Sdxl;

namespace Kohaku.Cli.Verbs;

internal sealed class InspectVerb : IVerb
{
    public static Command Build()
    {
        var file = new Argument<string?>("file") { Description = "A single-file SDXL checkpoint (.safetensors).", Arity = ArgumentArity.ZeroOrOne };
        var arch = new Option<string?>("--arch") { Description = "List an architecture instead of a file: sdxl or tiny." };
        var keys = new Option<bool>("--keys") { Description = "Print every key with its shape (and dtype for a file)." };
        var command = new Command("inspect", "Summarise an SDXL checkpoint: components, keys, parameters, dtypes, unknown keys.") { file, arch, keys };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file);
            var archName = parse.GetValue(arch);
            if ((path is null) == (archName is null))
            {
                Console.Error.WriteLine("inspect: give either FILE or --arch sdxl|tiny");
                return 2;
            }
            if (archName is not null)
            {
                var listed = SdxlInspector.ArchitectureKeys(SdxlConfig.ByName(archName));
                if (parse.GetValue(keys))
                    foreach (var (key, shape) in listed) Console.WriteLine($"{key}\t[{string.Join(", ", shape)}]");
                Console.WriteLine($"{archName}: {listed.Count} keys, {listed.Sum(k => SafeDTypes.ElementCount(k.Shape)):N0} elements");
                return 0;
            }
            Print(SdxlInspector.Inspect(path!));
            if (parse.GetValue(keys))
            {
                using var st = SafeTensorsFile.Open(path!);
                foreach (var t in st.Tensors) Console.WriteLine($"{t.Name}\t{t.ShapeText}\t{t.DType}");
            }
            return 0;
        });
        return command;
    }

    private static void Print(CheckpointSummary s)
    {
        Console.WriteLine($"{s.Path}: architecture {s.Architecture ?? "unknown"}");
        Console.WriteLine("| component | prefix | keys | parameters | dtypes |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var c in s.Components)
            Console.WriteLine($"| {c.Name} | {c.Prefix} | {c.Keys} | {c.Parameters:N0} | {string.Join(", ", c.DTypes.Select(d => $"{d.Key}×{d.Value}"))} |");
        PrintList("unknown keys", s.UnknownKeys);
        PrintList("missing keys", s.MissingKeys);
        PrintList("shape mismatches", s.Mismatched.Select(m => m.ToString()).ToList());
    }

    private static void PrintList(string title, IReadOnlyList<string> items)
    {
        Console.WriteLine($"{title}: {items.Count}");
        foreach (var item in items.Take(20)) Console.WriteLine($"  {item}");
        if (items.Count > 20) Console.WriteLine($"  … {items.Count - 20} more");
    }
}
