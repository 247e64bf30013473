using Kohaku.Diffusion.Merge;
using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Tests.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Merge;

// A DoKr file baked, against what LyCORIS 3.3.0 (lokr.py get_merged_weight), ComfyUI (weight_adapter/
// base.py weight_decompose after PR #7727, and before it) and AUTOMATIC1111 (Lora/network.py
// apply_weight_decompose + finalize_updown) compute from the same tensors: their code written out in
// Python, float32, PyTorch 1.13.1. The tensors are exact grids, so the values are reproducible; each
// merged (32, 32) weight is pinned by its 32 row sums and 32 column sums.
//
// Where the tools disagree (research-trainer.md §1):
// - output-axis file (LyCORIS ≥3.2 default), strength 1: the bake equals LyCORIS; ComfyUI divides by
//   ‖W0‖ instead of ‖W0+ΔW‖ on that axis, and A1111 always takes input-column norms, which an (out, 1)
//   dora_scale broadcasts against into an (out, in) scale (wrong result, no error);
// - input-axis file, strength 0.6: the bake equals A1111 and both ComfyUI versions, W0 + μ(W'-W0);
//   LyCORIS blends from V = W0+ΔW instead, V·(μ(s-1)+1).
public sealed class DokrBakeTests
{
    private const string Name = "lora_te1_text_model_encoder_layers_0_self_attn_q_proj";
    private const string Key = "conditioner.embedders.0.transformer.text_model.encoder.layers.0.self_attn.q_proj.weight";

    private static readonly double[] ALycorisRows = [-0.320012615, 0.49993803, -0.156852712, -4.09781933e-08, 0.211209996, -0.400148863, 0.407143974, -0.267633215, -0.132731238, 0.104789482, -0.488965682, 0.322623943, -0.364566362, 0.837146635, -0.0783037953, 0.0652674772, 0.213701705, -0.422559083, 0.657061514, -0.172686685, 0.00928276451, 0.130289535, -0.612700231, 0.523594283, -0.373971533, -0.0186726525, 0.00277931988, -0.672721289, 0.463989817, -0.496260699, 0.472076008, -0.0757888556];
    private static readonly double[] ALycorisCols = [1.03714968, -0.12421309, -0.921218125, -0.199296271, -0.546930175, 0.744668122, 0.60125003, -0.297644556, 0.113344886, -0.377986431, -0.460018873, 0.876189062, 0.162363537, -0.684394507, -0.0602790015, -0.376747848, 0.526490226, 1.09951105, -0.209905326, -0.878174449, -0.189150952, -0.467261519, 0.75931697, 0.636408893, -0.375960547, 0.031277623, -0.394456521, -0.499055566, 0.859014166, 0.204934853, -0.653497702, -0.069408711];
    private static readonly double[] AComfyRows = [-0.324127042, 0.501744578, -0.158407541, -1.00582838e-07, 0.211209996, -0.40139565, 0.405158816, -0.265330934, -0.134888686, 0.105344201, -0.493733267, 0.3230432, -0.367600882, 0.843750754, -0.0790081844, 0.0654005776, 0.215581372, -0.432169475, 0.662530961, -0.176008288, 0.00932991575, 0.132006262, -0.615777438, 0.535710027, -0.367041074, -0.0186858922, 0.00274332985, -0.681490928, 0.460058102, -0.499046054, 0.468235308, -0.0768134594];
    private static readonly double[] AComfyCols = [1.01865345, -0.128615377, -0.924034683, -0.19396575, -0.545518126, 0.744924489, 0.580265805, -0.312587358, 0.11535299, -0.374609404, -0.459247686, 0.877928611, 0.180093229, -0.688173098, -0.0435842457, -0.368769532, 0.535185873, 1.08344102, -0.215320343, -0.880880271, -0.18468808, -0.466857158, 0.75875753, 0.616202896, -0.395318941, 0.0302132284, -0.391122989, -0.497460463, 0.862167901, 0.224368589, -0.655284185, -0.0511954147];
    private static readonly double[] AA1111Rows = [-0.313132891, 0.50777461, -0.214981821, 0.0462419875, 0.140233207, -0.35515504, 0.40234885, -0.262628906, -0.133591671, 0.0473754294, -0.435155254, 0.313563677, -0.351575205, 0.819804307, -0.157442842, 0.0932535366, 0.185691219, -0.41552297, 0.664571807, -0.247451201, 0.0352696767, 0.0869715223, -0.548153198, 0.536613991, -0.360790458, -0.0208781995, -0.032056421, -0.595205145, 0.448157094, -0.481899189, 0.455976304, -0.125033217];
    private static readonly double[] AA1111Cols = [1.16682061, -0.0915141013, -1.02424708, -0.339337369, -0.563473208, 0.871431749, 0.705033556, -0.332081798, -0.00796367135, -0.491434411, -0.400418065, 0.999361249, 0.255351465, -0.74361052, -0.185161372, -0.436215178, 0.619295196, 1.21608104, -0.181479866, -1.00721055, -0.327719854, -0.481994893, 0.87090775, 0.721804358, -0.406233859, -0.0957877524, -0.504065905, -0.440470904, 0.977610912, 0.300089977, -0.718508197, -0.19166572];
    private static readonly double[] BLycorisRows = [-0.619603394, 0.578743201, -0.299053751, 0.0796024092, 0.322713742, -0.619505983, 0.45005318, -0.378267866, -0.182390004, 0.148367858, -0.656962931, 0.437334205, -0.482476229, 0.686070999, -0.119038012, 0.28601815, 0.362910493, -0.551170219, 0.525040076, -0.280468963, 0.102540105, 0.332345679, -0.635022398, 0.411551041, -0.380492147, -0.0699929241, 0.0724468715, -0.597177994, 0.420095459, -0.49587778, 0.690109562, -0.145885149];
    private static readonly double[] BLycorisCols = [0.204746755, -0.14011015, -0.545835324, 0.148761302, -0.324940566, 0.380999573, 0.0943683162, -0.245711621, 0.34658713, 0.0341163613, -0.402004488, 0.290308319, -0.116614588, -0.450808764, 0.244023571, -0.0846640803, 0.569889095, 0.185724659, -0.217657364, -0.568323772, 0.0938794892, -0.285994319, 0.4430492, 0.0778479353, -0.339277208, 0.379890209, 2.23517418e-08, -0.407901988, 0.308814893, -0.0562570826, -0.476773428, 0.252425198];
    private static readonly double[] BComfyRows = [-0.619603463, 0.578743272, -0.299053956, 0.079602316, 0.322713687, -0.619505927, 0.450053286, -0.378267996, -0.180827602, 0.135867831, -0.649150407, 0.431084231, -0.485601331, 0.686071158, -0.115913059, 0.292268009, 0.366035504, -0.576170214, 0.54066507, -0.292969024, 0.0962901656, 0.332345624, -0.628772374, 0.424051121, -0.375804713, -0.107492882, 0.0958843306, -0.615927983, 0.410720497, -0.495877839, 0.69948459, -0.12713528];
    private static readonly double[] BComfyCols = [0.2047469, -0.15886014, -0.531772777, 0.144073702, -0.29681559, 0.390374605, 0.0849930532, -0.273836691, 0.346587108, 0.0216164016, -0.392629638, 0.287183311, -0.0978647005, -0.444558797, 0.237773625, -0.103414124, 0.569889217, 0.17947465, -0.212969848, -0.569886385, 0.103254495, -0.282869437, 0.439924186, 0.068472987, -0.339277243, 0.379890198, 1.11758709e-08, -0.407902114, 0.308814947, -0.056257186, -0.476773348, 0.252425266];
    private static readonly double[] BComfyOldRows = [-0.619603351, 0.578743193, -0.299053911, 0.079602275, 0.32271366, -0.619505834, 0.450053238, -0.378267891, -0.180827643, 0.135867796, -0.649150549, 0.431084258, -0.485601183, 0.686071035, -0.115913088, 0.2922682, 0.36603561, -0.576170243, 0.54066506, -0.292969042, 0.0962899765, 0.332345487, -0.628772392, 0.424051107, -0.375804568, -0.107493017, 0.0958843715, -0.615928018, 0.41072055, -0.495877799, 0.699484533, -0.127135288];
    private static readonly double[] BComfyOldCols = [0.204746798, -0.158860164, -0.531772874, 0.144073702, -0.296815453, 0.390374608, 0.0849930532, -0.273836691, 0.346587054, 0.0216164016, -0.392629592, 0.287183316, -0.0978647005, -0.444558816, 0.23777355, -0.10341409, 0.569889225, 0.179474657, -0.212969848, -0.569886331, 0.103254449, -0.282869437, 0.43992421, 0.0684729107, -0.339277213, 0.379890198, -2.23517418e-08, -0.407902102, 0.308814954, -0.0562570458, -0.476773441, 0.252425266];
    private static readonly double[] BA1111Rows = [-0.619603351, 0.578743193, -0.299053911, 0.079602275, 0.32271366, -0.619505834, 0.450053238, -0.378267891, -0.180827643, 0.135867796, -0.649150549, 0.431084258, -0.485601183, 0.686071035, -0.115913088, 0.2922682, 0.36603561, -0.576170243, 0.54066506, -0.292969042, 0.0962899765, 0.332345487, -0.628772392, 0.424051107, -0.375804568, -0.107493017, 0.0958843715, -0.615928018, 0.41072055, -0.495877799, 0.699484533, -0.127135288];
    private static readonly double[] BA1111Cols = [0.204746798, -0.158860164, -0.531772874, 0.144073702, -0.296815453, 0.390374608, 0.0849930532, -0.273836691, 0.346587054, 0.0216164016, -0.392629592, 0.287183316, -0.0978647005, -0.444558816, 0.23777355, -0.10341409, 0.569889225, 0.179474657, -0.212969848, -0.569886331, 0.103254449, -0.282869437, 0.43992421, 0.0684729107, -0.339277213, 0.379890198, -2.23517418e-08, -0.407902102, 0.308814954, -0.0562570458, -0.476773441, 0.252425266];

    // ((i·a + j·b) mod m - offset) / divisor: k/2ⁿ values, exact in float32.
    private static Tensor Grid(long rows, long cols, int a, int b, int m, int offset, float divisor) =>
        tensor(Enumerable.Range(0, (int)(rows * cols)).Select(k => ((k / (int)cols * a + k % (int)cols * b) % m - offset) / divisor).ToArray()).view(rows, cols);

    private static (double[] Rows, double[] Cols) Bake(bool onOutput, double strength)
    {
        using var dir = new TempDir();
        // One TE1 q_proj of the tiny layout (32×32), the only tensor in the checkpoint.
        SafeTensorsWriter.Write(dir.File("base.safetensors"), new Dictionary<string, Tensor> { [Key] = Grid(32, 32, 7, 3, 17, 8, 16) });
        var magnitude = onOutput
            ? tensor(Enumerable.Range(0, 32).Select(i => 1 + i % 5 / 4f).ToArray()).view(32, 1)
            : tensor(Enumerable.Range(0, 32).Select(j => 2 - j % 3 / 4f).ToArray()).view(1, 32);
        SafeTensorsWriter.Write(dir.File("dokr.safetensors"), new Dictionary<string, Tensor>
        {
            [Name + ".alpha"] = tensor(1f),
            [Name + ".dora_scale"] = magnitude,
            [Name + ".lokr_w1"] = Grid(4, 4, 5, 2, 7, 3, 8),
            [Name + ".lokr_w2"] = Grid(8, 8, 3, 5, 11, 5, 32),
        });
        var baked = LokrBake.Run(dir.File("base.safetensors"), dir.File("dokr.safetensors"), strength, dir.File("baked.safetensors"));
        Assert.Equal(Key, Assert.Single(baked).Key);
        var w = TestCheckpoints.ReadAll(dir.File("baked.safetensors"))[Key].to(ScalarType.Float64);
        return (w.sum([1L]).data<double>().ToArray(), w.sum([0L]).data<double>().ToArray());
    }

    private static double MaxDiff(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    [Fact]
    public void Bake_OutputAxisStrength1_EqualsLycorisNotComfyOrA1111()
    {
        var (rows, cols) = Bake(onOutput: true, 1.0);
        Assert.True(MaxDiff(rows, ALycorisRows) < 2e-6 && MaxDiff(cols, ALycorisCols) < 2e-6, $"LyCORIS: {MaxDiff(rows, ALycorisRows)}, {MaxDiff(cols, ALycorisCols)}");
        Assert.True(MaxDiff(rows, AComfyRows) > 1e-3, "ComfyUI's ‖W0‖ branch should differ");
        Assert.True(MaxDiff(rows, AA1111Rows) > 1e-2, "A1111's input-axis norm should differ");
    }

    [Fact]
    public void Bake_InputAxisStrength06_EqualsA1111AndComfyNotLycoris()
    {
        var (rows, cols) = Bake(onOutput: false, 0.6);
        foreach (var (tool, r, c) in new[] { ("A1111", BA1111Rows, BA1111Cols), ("ComfyUI", BComfyRows, BComfyCols), ("ComfyUI before #7727", BComfyOldRows, BComfyOldCols) })
            Assert.True(MaxDiff(rows, r) < 2e-6 && MaxDiff(cols, c) < 2e-6, $"{tool}: {MaxDiff(rows, r)}, {MaxDiff(cols, c)}");
        Assert.True(MaxDiff(rows, BLycorisRows) > 1e-2, "LyCORIS blends from W0+ΔW and should differ");
    }
}
