namespace Kohaku.Diffusion.Lokr;

// LyCORIS `factorization(dimension, factor)`: splits a layer width into two factors, the smaller
// first. Kept bit-identical to the Python loop, quirks included (fixed bound, one step past √d),
// because the split decides the saved tensor shapes (lycoris-lokr.md §2).
public static class LokrFactorization
{
    public static (long Small, long Large) Factorize(long dimension, long factor)
    {
        if (dimension <= 0) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "dimension must be positive");
        if (factor > 0 && dimension % factor == 0) return Ordered(factor, dimension / factor);
        if (factor < 0) factor = dimension;
        long m = 1, n = dimension;
        var length = m + n;
        while (m < n)
        {
            var nextM = m + 1;
            while (dimension % nextM != 0) nextM++;
            var nextN = dimension / nextM;
            if (nextM + nextN > length || nextM > factor) break;
            (m, n) = (nextM, nextN);
        }
        return Ordered(m, n);
    }

    private static (long, long) Ordered(long a, long b) => a <= b ? (a, b) : (b, a);
}
