namespace Kohaku.Data.Danbooru;

// CPython's `random` module, bit for bit: MT19937 seeded the way `random.seed(int)` seeds it
// (init_by_array over the |seed|'s 32-bit words, not init_genrand), 53-bit `random()`,
// `getrandbits`/`_randbelow`, `choices` without weights and `sample`. The Δ selection was drawn
// with this generator, so only an exact port reproduces it draw for draw.
public sealed class PythonRandom
{
    private const int N = 624;
    private const int M = 397;
    private readonly uint[] _mt = new uint[N];
    private int _index;

    public PythonRandom(long seed)
    {
        var magnitude = seed == long.MinValue ? 1UL << 63 : (ulong)Math.Abs(seed);
        uint[] key = magnitude >> 32 == 0 ? [(uint)magnitude] : [(uint)magnitude, (uint)(magnitude >> 32)];
        InitByArray(key);
    }

    public uint NextUInt32()
    {
        if (_index >= N) Twist();
        var y = _mt[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680U;
        y ^= (y << 15) & 0xefc60000U;
        y ^= y >> 18;
        return y;
    }

    // random.random(): 27 + 26 bits of two outputs, in [0, 1).
    public double Random()
    {
        var a = NextUInt32() >> 5;
        var b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    // random.getrandbits(k) for 1 ≤ k ≤ 32 (populations here stay below 2^32).
    public uint GetRandBits(int k)
    {
        if (k is < 1 or > 32) throw new ArgumentOutOfRangeException(nameof(k), k, "1..32 bits");
        return NextUInt32() >> (32 - k);
    }

    // random._randbelow(n): rejection sampling on bit_length(n) bits.
    public long RandBelow(long n)
    {
        if (n <= 0 || n > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(n), n, "1..2^32-1");
        var bits = 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)n);
        long r = GetRandBits(bits);
        while (r >= n) r = GetRandBits(bits);
        return r;
    }

    // random.choices(population, k=k) without weights: index = floor(random() * float(n)), with replacement.
    public void ChoicesIndices(long n, Span<long> destination)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "choices from an empty population");
        var nf = (double)n;
        for (var i = 0; i < destination.Length; i++) destination[i] = (long)Math.Floor(Random() * nf);
    }

    // random.sample(population, k): indices without replacement, in CPython's order (pool or set method).
    public long[] SampleIndices(long n, int k)
    {
        if (k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), k, $"sample larger than population ({n})");
        var result = new long[k];
        var setSize = 21;
        if (k > 5) setSize += (int)Math.Pow(4, Math.Ceiling(Math.Log(k * 3.0, 4)));
        if (n <= setSize)
        {
            var pool = new long[n];
            for (var i = 0; i < n; i++) pool[i] = i;
            for (var i = 0; i < k; i++)
            {
                var j = RandBelow(n - i);
                result[i] = pool[j];
                pool[j] = pool[n - i - 1];
            }
        }
        else
        {
            var selected = new HashSet<long>(k);
            for (var i = 0; i < k; i++)
            {
                var j = RandBelow(n);
                while (!selected.Add(j)) j = RandBelow(n);
                result[i] = j;
            }
        }
        return result;
    }

    private void InitGenRand(uint s)
    {
        _mt[0] = s;
        for (var i = 1; i < N; i++) _mt[i] = 1812433253U * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i;
        _index = N;
    }

    private void InitByArray(uint[] key)
    {
        InitGenRand(19650218U);
        int i = 1, j = 0;
        for (var k = Math.Max(N, key.Length); k > 0; k--)
        {
            _mt[i] = (_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1664525U)) + key[j] + (uint)j;
            i++; j++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
            if (j >= key.Length) j = 0;
        }
        for (var k = N - 1; k > 0; k--)
        {
            _mt[i] = (_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1566083941U)) - (uint)i;
            i++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
        }
        _mt[0] = 0x80000000U;
    }

    private void Twist()
    {
        for (var kk = 0; kk < N; kk++)
        {
            var y = (_mt[kk] & 0x80000000U) | (_mt[(kk + 1) % N] & 0x7fffffffU);
            _mt[kk] = _mt[(kk + M) % N] ^ (y >> 1) ^ ((y & 1U) != 0 ? 0x9908b0dfU : 0U);
        }
        _index = 0;
    }
}
