namespace Kohaku.Data;

// splitmix64's finaliser over three keys (seed and two counters): independent, replayable streams
// for per-step caption augmentation and per-epoch crops without sharing one Random between threads.
public static class SeedMix
{
    public static ulong Of(ulong a, ulong b, ulong c)
    {
        var x = unchecked(a * 0x9E3779B97F4A7C15UL ^ b * 0xBF58476D1CE4E5B9UL ^ c * 0x94D049BB133111EBUL);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        return x ^ (x >> 31);
    }
}
