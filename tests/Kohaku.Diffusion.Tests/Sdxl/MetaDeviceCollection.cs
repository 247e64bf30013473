namespace Kohaku.Diffusion.Tests.Sdxl;

// These tests seed torch's global generator and then build random models or draw from it, so they
// run alone: a test beside them drawing from the same generator would change their values.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetaDeviceCollection
{
    public const string Name = "meta device";
}
