using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl;

// GroupNorm with checkpoint keys weight/bias, computed in fp32 and cast back (SGM GroupNorm32), so a
// bf16 UNet or VAE normalises without overflow. Initialised to ones/zeros here because TorchSharp
// 0.107's nn.GroupNorm leaves its affine tensors uninitialised (torchsharp.md §1.3).
public sealed class GroupNorm32 : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly long groups;
    private readonly double eps;

    public GroupNorm32(long groups, long channels, double eps, Device? device = null, ScalarType? dtype = null) : base(nameof(GroupNorm32))
    {
        if (channels % groups != 0) throw new ArgumentException($"GroupNorm: {channels} channels do not split into {groups} groups");
        weight = new Parameter(ones(channels, device: device, dtype: dtype));
        bias = new Parameter(zeros(channels, device: device, dtype: dtype));
        this.groups = groups;
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (input.dtype == ScalarType.Float32 && weight.dtype == ScalarType.Float32)
            return nn.functional.group_norm(input, groups, weight, bias, eps);
        using var scope = NewDisposeScope();
        var y = nn.functional.group_norm(input.to(ScalarType.Float32), groups, weight.to(ScalarType.Float32), bias.to(ScalarType.Float32), eps);
        return y.to(input.dtype).MoveToOuterDisposeScope();
    }
}
