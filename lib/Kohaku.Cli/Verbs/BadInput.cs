namespace Kohaku.Cli.Verbs;

// Bad input (a bad option or field, a missing or damaged file, a database of the wrong shape) ends a
// verb with one line naming it and exit code 1; anything else is a bug and keeps its stack trace.
internal static class BadInput
{
    // alsoBadInput: a verb's own failures that are the run's outcome rather than a bug (a diverged training run).
    public static int Guard(string verb, Func<int> action, Func<Exception, bool>? alsoBadInput = null)
    {
        try
        {
            return action();
        }
        catch (OperationCanceledException)
        {
            // A stop signal (Verbs/StopSignals) ended a verb between two units of work.
            Console.Error.WriteLine($"{verb}: stopped before the end; what was written is kept, and the same command completes it");
            return 130;
        }
        catch (Exception e) when (Is(e) || alsoBadInput?.Invoke(e) == true)
        {
            Console.Error.WriteLine($"{verb}: {Unwrap(e).Message}");
            return 1;
        }
    }

    // The exception types a verb's bad input ends in; a parallel reader's AggregateException counts
    // when everything inside it does.
    public static bool Is(Exception e) => IsBadType(Unwrap(e));

    private static bool IsBadType(Exception e) => e is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException
        or NotSupportedException or InvalidOperationException or KeyNotFoundException or FormatException;

    // Parallel readers fail in several windows at once; the first one's message stands for all of them.
    public static Exception Unwrap(Exception e) =>
        e is AggregateException a && a.Flatten().InnerExceptions is [var first, ..] inner && inner.All(IsBadType) ? first : e;

    public static int Guard(string verb, Action action) => Guard(verb, () => { action(); return 0; });
}
