namespace Kohaku.Diffusion.Tests.Sdxl;

// MetaDevice.Build switches torch's process-wide default device while it builds, so the tests that
// use it run alone, never beside a test that allocates real tensors.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetaDeviceCollection
{
    public const string Name = "meta device";
}
