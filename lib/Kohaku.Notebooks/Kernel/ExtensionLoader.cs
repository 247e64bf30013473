using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Events;

namespace Kohaku.Notebooks.Kernel;

// `#r "nuget: X"` only restores and references X; packages ship their formatters as
// IKernelExtension types under interactive-extensions/dotnet/ (Plotly.NET.Interactive does), and
// the stock tool's loader for them is not in any package, so the host carries its own. The host's
// own packages never raise PackageAdded: hostRoots are folders laid out the same way, loaded after
// the first command (extensions such as Microsoft.Data.Analysis's read Kernel.Root, which is null
// outside a command).
internal static class ExtensionLoader
{
    public static void Attach(CompositeKernel root, IEnumerable<string> hostRoots)
    {
        var pending = new ConcurrentQueue<string>(hostRoots);
        var seenRoots = new ConcurrentDictionary<string, bool>();
        var loaded = new ConcurrentDictionary<string, bool>();
        root.RegisterForDisposal(root.KernelEvents.OfType<PackageAdded>()
            .Where(p => p.PackageReference.PackageRoot is { Length: > 0 })
            .Subscribe(p => { if (seenRoots.TryAdd(p.PackageReference.PackageRoot, true)) pending.Enqueue(p.PackageReference.PackageRoot); }));

        root.AddMiddleware(async (command, context, next) =>
        {
            await next(command, context);
            while (pending.TryDequeue(out var packageRoot))
            {
                var dir = Path.Combine(packageRoot, "interactive-extensions", "dotnet");
                if (!Directory.Exists(dir)) continue;
                foreach (var dll in Directory.GetFiles(dir, "*.dll"))
                {
                    if (!loaded.TryAdd(AssemblyName.GetAssemblyName(dll).FullName, true)) continue;
                    await LoadAsync(dll, root, context);
                }
            }
        });
    }

    private static async Task LoadAsync(string dll, CompositeKernel root, KernelInvocationContext context)
    {
        var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(dll);
        var types = assembly.ExportedTypes.Where(t => t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false } && typeof(IKernelExtension).IsAssignableFrom(t));
        foreach (var type in types)
        {
            var extension = (IKernelExtension)Activator.CreateInstance(type)!;
            try
            {
                await extension.OnLoadAsync(root);
                // The last registration for a type wins, and the host's formatters are the ones
                // every client can read (see KohakuKernel.RegisterFormatters).
                KohakuKernel.RegisterFormatters();
                context.Publish(new KernelExtensionLoaded(extension, context.Command));
            }
            catch (Exception e)
            {
                context.Publish(new ErrorProduced($"kernel extension {type.FullName} from {dll} failed to load: {e.Message}", context.Command));
            }
        }
    }
}
