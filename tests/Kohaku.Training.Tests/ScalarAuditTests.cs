using System.Reflection;
using System.Reflection.Emit;
using Kohaku.Diffusion.Nn;
using Kohaku.Training.Trainer;
using TorchSharp;

namespace Kohaku.Training.Tests;

// Enforces the rule behind Nn/Scalars over every method of the two assemblies that do tensor math
// (this project is the one that references both): no number may become a TorchSharp Scalar
// implicitly, and no TorchSharp API may be called that makes one inside and leaves it to the GC
// (`a + b` and `add(Tensor)` pass alpha = 1, one-argument arange makes start and step, square()
// makes its exponent). Such a Scalar can be finalized while libtorch still reads it; the crash it
// caused needed a stress harness to show, so a test that reads the IL is the only reliable guard.
public sealed class ScalarAuditTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    private static readonly Lazy<HashSet<MethodBase>> Hidden = new(HiddenScalarMethods);

    [Fact]
    public void HiddenScalarMethods_TorchSharp_IncludeTheKnownCulprits()
    {
        var tensor = typeof(torch.Tensor);
        Assert.Contains(tensor.GetMethod("op_Addition", [tensor, tensor])!, Hidden.Value);
        Assert.Contains(tensor.GetMethod("add", [tensor])!, Hidden.Value);
        Assert.Contains(tensor.GetMethod("square", Type.EmptyTypes)!, Hidden.Value);
        // Overloads that take every Scalar from the caller stay usable.
        Assert.DoesNotContain(tensor.GetMethod("add", [tensor, typeof(Scalar)])!, Hidden.Value);
        Assert.DoesNotContain(tensor.GetMethod("mul", [typeof(Scalar)])!, Hidden.Value);
    }

    [Fact]
    public void Callees_MethodWithImplicitScalar_FindsTheConversion()
    {
        var method = typeof(ScalarAuditTests).GetMethod(nameof(ImplicitOnPurpose), Declared)!;
        Assert.Contains(Callees(method), IsImplicitScalar);
        Assert.Contains(Callees(method), Hidden.Value.Contains);
    }

    [Fact]
    public void LibraryAssemblies_EveryMethod_MakesNoScalarTheGcCanFree()
    {
        var offenders = new[] { typeof(Scalars).Assembly, typeof(DiffusionTrainer).Assembly }
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(Declared).Cast<MethodBase>().Concat(t.GetConstructors(Declared)))
            .SelectMany(m => Callees(m).Where(c => IsImplicitScalar(c) || Hidden.Value.Contains(c) || ConstructsHiddenModule(c))
                .Select(c => $"{m.DeclaringType!.FullName}.{m.Name} calls {c.DeclaringType!.Name}.{c.Name}({string.Join(", ", c.GetParameters().Select(p => p.ParameterType.Name))})"))
            .Distinct()
            .ToList();
        Assert.True(offenders.Count == 0, "use Nn/Scalars (or ToScalar() with using) instead:\n" + string.Join("\n", offenders));
    }

    private static torch.Tensor ImplicitOnPurpose(torch.Tensor a, torch.Tensor b) => a.mul(3) + b;

    private static bool IsImplicitScalar(MethodBase m) => m.DeclaringType == typeof(Scalar) && m.Name == "op_Implicit";

    // A TorchSharp module whose forward makes hidden Scalars: calls to it go through the virtual
    // forward, so the construction is what can be seen.
    private static bool ConstructsHiddenModule(MethodBase m) =>
        m is ConstructorInfo && m.DeclaringType!.GetMethods(Declared).Any(Hidden.Value.Contains);

    // TorchSharp methods that convert a number to a Scalar and never dispose one, and every method that
    // reaches one of them through calls that do not dispose either.
    private static HashSet<MethodBase> HiddenScalarMethods()
    {
        var methods = typeof(Scalar).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(Declared).Cast<MethodBase>().Concat(t.GetConstructors(Declared)))
            .Select(m => (Method: m, Callees: Callees(m).ToList()))
            .Where(m => !m.Callees.Any(c => c.DeclaringType == typeof(Scalar) && c.Name == nameof(Scalar.Dispose)))
            .ToList();
        var hidden = methods.Where(m => m.Callees.Any(c => IsImplicitScalar(c) || c.Name == nameof(ScalarExtensionMethods.ToScalar)))
            .Select(m => m.Method).ToHashSet();
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (method, callees) in methods)
                if (!hidden.Contains(method) && callees.Any(hidden.Contains)) { hidden.Add(method); grew = true; }
        }
        return hidden;
    }

    // The methods a method body calls, read from its IL (call, callvirt, newobj, ldftn operands).
    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var typeArgs = method.DeclaringType!.IsGenericType ? method.DeclaringType.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var twoByte = il[i] == 0xFE;
            var code = twoByte ? unchecked((short)(0xFE00 | il[i + 1])) : il[i];
            i += twoByte ? 2 : 1;
            var operand = Operands[code];
            if (operand == OperandType.InlineMethod && Resolve(method.Module, BitConverter.ToInt32(il, i), typeArgs, methodArgs) is { } callee)
                yield return callee;
            i += operand switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }

    private static MethodBase? Resolve(Module module, int token, Type[]? typeArgs, Type[]? methodArgs)
    {
        try { return module.ResolveMethod(token, typeArgs, methodArgs); }
        // Generic members of open generic contexts; none of them is a TorchSharp scalar path.
        catch (ArgumentException) { return null; }
    }
}
