using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Connection;
using Microsoft.DotNet.Interactive.Events;

namespace Kohaku.Notebooks.Kernel;

// VS Code's "Connect subkernel" button sends RequestCodeExpansionInfos to the root kernel and waits
// for CodeExpansionInfosProduced. Both are defined only in the stock dotnet-interactive tool, not
// in any package; a host that has not registered the command drops it while deserializing and the
// button hangs. This host offers no connections (data kernels, Jupyter kernelspecs), so it answers
// with an empty list.
public sealed class RequestCodeExpansionInfos(string? targetKernelName = null) : KernelCommand(targetKernelName);

public sealed class CodeExpansionInfosProduced(KernelCommand command) : KernelEvent(command)
{
    // The stock event's items are {name, kind, description}; there are none here.
    public IReadOnlyList<object> CodeExpansionInfos { get; } = [];
}

public static class CodeExpansionInfosExtensions
{
    public static CompositeKernel UseCodeExpansionInfos(this CompositeKernel root)
    {
        KernelCommandEnvelope.RegisterCommand<RequestCodeExpansionInfos>();
        KernelEventEnvelope.RegisterEvent<CodeExpansionInfosProduced>();
        root.RegisterCommandHandler<RequestCodeExpansionInfos>((command, context) =>
        {
            context.Publish(new CodeExpansionInfosProduced(command));
            return Task.CompletedTask;
        });
        return root;
    }
}
