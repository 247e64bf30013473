using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;

namespace Kohaku.Notebooks;

// What a running cell can ask of the kernel.
public static class Cell
{
    // Cancelled when the user presses Stop in VS Code (the kernel only fails the command; C# code
    // keeps running unless it polls this). None outside a kernel.
    public static CancellationToken Cancellation => KernelInvocationContext.Current?.CancellationToken ?? CancellationToken.None;

    // True inside `kohaku run`, under a Jupyter client that runs without a person (nbclient: papermill,
    // nbconvert --execute) and in `kohaku kernel jupyter` started with KOHAKU_HEADLESS=1; false in
    // VS Code, JupyterLab, jupyter console or outside a kernel.
    public static bool IsHeadless => KernelInvocationContext.Current?.HandlingKernel?.ParentKernel?.Name == Kernel.KohakuKernel.HeadlessRootName
        || (ClientHeadless && KernelInvocationContext.Current is not null);

    // Set by the Jupyter front for each execute_request (one runs at a time).
    internal static volatile bool ClientHeadless;

    // An output that can be redrawn in place (VS Code); null headless or outside a kernel, where a
    // cell writes its final state instead of thousands of updates.
    public static DisplayedValue? DisplayInPlace(object value, string? mimeType = null) =>
        KernelInvocationContext.Current is { } context && !IsHeadless
            ? (mimeType is null ? context.Display(value) : context.Display(value, mimeType))
            : null;
}
