namespace Kohaku.Diffusion.Lokr;

public enum LokrW1 { Full, LowRank }

public enum LokrW2 { Full, LowRank, Tucker }

// DoKr's magnitude vector `dora_scale` (LyCORIS weight_decompose): the axis its norms run along —
// one per output row, (out, 1[, 1, 1]) (wd_on_output=True), or per input column, (1, in[, 1, 1]).
public enum LokrDora { None, Output, Input }

// Which LoKr factor tensors exist for one target weight, and their shapes: decided once here and used
// by the module, the file writer/reader and the parameter counts (lycoris-lokr.md §3, §4, §7.1).
// Weight is (out, in) or (out, in, k1, k2); out = OutL·OutK, in = InM·InN; ΔW = Scale·kron(w1, w2).
public sealed record LokrShape(long[] Weight, long OutL, long OutK, long InM, long InN, long Rank, LokrW1 W1, LokrW2 W2, double Alpha,
    LokrDora Dora = LokrDora.None)
{
    public long[] Kernel => Weight[2..];
    public bool BothFull => W1 == LokrW1.Full && W2 == LokrW2.Full;

    // LyCORIS forces alpha = dim when both factors are full, and consumers use 1 there too.
    public double Scale => BothFull ? 1.0 : Alpha / Rank;

    // dora_scale's shape: the weight's with every dimension but the norm axis set to 1.
    public long[] DoraScale => DoraScaleOf(Weight, Dora);

    private static long[] DoraScaleOf(long[] weight, LokrDora dora) => dora switch
    {
        LokrDora.Output => [weight[0], .. Enumerable.Repeat(1L, weight.Length - 1)],
        LokrDora.Input => [1, weight[1], .. Enumerable.Repeat(1L, weight.Length - 2)],
        _ => [],
    };

    // The tensors in file order (after `alpha`), with their LyCORIS key suffixes.
    public IReadOnlyList<(string Suffix, long[] Shape)> Tensors
    {
        get
        {
            var list = new List<(string, long[])>();
            if (Dora != LokrDora.None) list.Add(("dora_scale", DoraScale));
            if (W1 == LokrW1.Full) list.Add(("lokr_w1", [OutL, InM]));
            else { list.Add(("lokr_w1_a", [OutL, Rank])); list.Add(("lokr_w1_b", [Rank, InM])); }
            switch (W2)
            {
                case LokrW2.Full:
                    list.Add(("lokr_w2", [OutK, InN, .. Kernel]));
                    break;
                case LokrW2.LowRank:
                    // Conv kernels are flattened into w2_b's columns: (r, in_n·k1·k2), a 2-D tensor.
                    list.Add(("lokr_w2_a", [OutK, Rank]));
                    list.Add(("lokr_w2_b", [Rank, InN * Kernel.Aggregate(1L, (a, b) => a * b)]));
                    break;
                case LokrW2.Tucker:
                    // Rank-first w2_a here, unlike the flat case.
                    list.Add(("lokr_w2_a", [Rank, OutK]));
                    list.Add(("lokr_w2_b", [Rank, InN]));
                    list.Add(("lokr_t2", [Rank, Rank, .. Kernel]));
                    break;
            }
            return list;
        }
    }

    public long ParameterCount => Tensors.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));

    // The rules LokrModule.__init__ applies to a fresh module.
    public static LokrShape Decide(long[] weight, LokrModuleConfig config)
    {
        if (weight.Length is not (2 or 4)) throw new ArgumentException($"LoKr targets 2-D or 4-D weights, got [{string.Join(", ", weight)}]", nameof(weight));
        var (outL, outK) = LokrFactorization.Factorize(weight[0], config.Factor);
        var (inM, inN) = LokrFactorization.Factorize(weight[1], config.Factor);
        var r = config.Dim;
        var w1 = config.DecomposeBoth && r < Math.Max(outL, inM) / 2.0 && !config.FullMatrix ? LokrW1.LowRank : LokrW1.Full;
        var kernelNot1 = weight.Length > 2 && weight[2..].Any(k => k != 1);
        var w2 = r >= Math.Max(outK, inN) / 2.0 || config.FullMatrix ? LokrW2.Full
            : config.UseTucker && kernelNot1 ? LokrW2.Tucker : LokrW2.LowRank;
        var alpha = config.Alpha == 0 ? r : config.Alpha;
        if (w1 == LokrW1.Full && w2 == LokrW2.Full) alpha = r;
        var dora = !config.WeightDecompose ? LokrDora.None : config.WdOnOutput ? LokrDora.Output : LokrDora.Input;
        return new LokrShape(weight, outL, outK, inM, inN, r, w1, w2, alpha, dora);
    }

    // Reads the layout back from a file's tensors for one module (suffix → shape). Rank comes from the
    // `_b` tensors as A1111/ComfyUI take it; both-full modules have no rank and ignore alpha (which an
    // fp16 file may hold as +inf). Each tensor's number of dimensions is checked before its sizes are read.
    public static LokrShape FromTensors(string prefix, long[] weight, IReadOnlyDictionary<string, long[]> tensors, double alpha)
    {
        long[] Get(string suffix, int dims)
        {
            if (!tensors.TryGetValue(suffix, out var s)) throw new InvalidDataException($"{prefix}: missing {prefix}.{suffix}");
            return s.Length == dims ? s
                : throw new InvalidDataException($"{prefix}.{suffix}: shape [{string.Join(", ", s)}] has {s.Length} dimensions, expected {dims} for target weight [{string.Join(", ", weight)}]");
        }
        if (weight.Length is not (2 or 4))
            throw new InvalidDataException($"{prefix}: LoKr targets 2-D or 4-D weights, target weight is [{string.Join(", ", weight)}]");
        LokrW1 w1;
        long outL, inM, rank = 0;
        if (tensors.ContainsKey("lokr_w1")) { w1 = LokrW1.Full; var s = Get("lokr_w1", 2); (outL, inM) = (s[0], s[1]); }
        else
        {
            w1 = LokrW1.LowRank;
            var a = Get("lokr_w1_a", 2);
            var b = Get("lokr_w1_b", 2);
            (outL, inM, rank) = (a[0], b[1], b[0]);
        }
        LokrW2 w2;
        long outK, inN;
        if (tensors.ContainsKey("lokr_w2")) { w2 = LokrW2.Full; var s = Get("lokr_w2", weight.Length); (outK, inN) = (s[0], s[1]); }
        else if (tensors.ContainsKey("lokr_t2")) { w2 = LokrW2.Tucker; var b = Get("lokr_w2_b", 2); (outK, inN, rank) = (Get("lokr_w2_a", 2)[1], b[1], b[0]); }
        else
        {
            w2 = LokrW2.LowRank;
            var b = Get("lokr_w2_b", 2);
            var kernel = weight[2..].Aggregate(1L, (x, y) => x * y);
            (outK, inN, rank) = (Get("lokr_w2_a", 2)[0], b[1] / kernel, b[0]);
        }
        var shape = new LokrShape(weight, outL, outK, inM, inN, rank, w1, w2, alpha, DoraOf(prefix, weight, tensors));
        foreach (var (suffix, expected) in shape.Tensors)
            if (!Get(suffix, expected.Length).SequenceEqual(expected))
                throw new InvalidDataException($"{prefix}.{suffix}: shape [{string.Join(", ", tensors[suffix])}] does not fit target weight [{string.Join(", ", weight)}] (expected [{string.Join(", ", expected)}])");
        if (outL * outK != weight[0] || inM * inN != weight[1])
            throw new InvalidDataException($"{prefix}: kron({outL}×{inM}, {outK}×{inN}) does not make target weight [{string.Join(", ", weight)}]");
        if (!shape.BothFull && rank == 0)
            throw new InvalidDataException($"{prefix}: rank 0, and this module has a low-rank factor whose scale alpha/rank needs one");
        if (!shape.BothFull && !double.IsFinite(alpha))
            throw new InvalidDataException($"{prefix}.alpha: {alpha} is not finite, and this module has a low-rank factor that needs it");
        return shape;
    }

    // A file's dora_scale says its axis by its shape alone (LyCORIS writes no wd_on_output key), as the
    // project bake reads it: dim 0 the size of out ⇒ output rows, else it must be (1, in[, 1, 1]).
    private static LokrDora DoraOf(string prefix, long[] weight, IReadOnlyDictionary<string, long[]> tensors)
    {
        if (!tensors.TryGetValue("dora_scale", out var s)) return LokrDora.None;
        foreach (var dora in new[] { LokrDora.Output, LokrDora.Input })
            if (s.SequenceEqual(DoraScaleOf(weight, dora))) return dora;
        throw new InvalidDataException($"{prefix}.dora_scale: shape [{string.Join(", ", s)}] is neither ({weight[0]}, 1, …) nor (1, {weight[1]}, …) for target weight [{string.Join(", ", weight)}]");
    }
}
