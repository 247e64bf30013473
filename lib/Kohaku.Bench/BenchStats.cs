namespace Kohaku.Bench;

public static class BenchStats
{
    // Benches report medians: the 2-core machine is shared, and a busy neighbour stretches single
    // steps many-fold. An even count takes the mean of the middle two.
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) throw new ArgumentException("median of no values", nameof(values));
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
