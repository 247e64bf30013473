using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Kohaku.Data.IO;

namespace Kohaku.Diffusion.Tokenizer;

// A CLIP-format vocabulary learned from a small corpus, laid out like OpenAI's: the 256 byte
// symbols, the same 256 with "</w>", one entry per learned merge, then <|startoftext|> and
// <|endoftext|> as the last two ids. Used for the bundled sample, whose tiny text encoders need
// a vocabulary that covers its tag words without CLIP's 49,408 rows.
public sealed record ClipVocab(IReadOnlyList<string> Tokens, IReadOnlyList<(string Left, string Right)> Merges)
{
    public int Count => Tokens.Count;
}

public static class ClipVocabBuilder
{
    // Learns merges the classic BPE way over the corpus words (split as the tokenizer splits):
    // repeatedly merge the most frequent adjacent pair (ties: the ordinally smaller pair) until
    // every word is one symbol or maxMerges is reached. Deterministic for a given corpus.
    public static ClipVocab Build(IEnumerable<string> corpus, int maxMerges = int.MaxValue)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in corpus)
            foreach (var piece in ClipPreTokenizer.Split(line))
                if (piece is not (ClipPreTokenizer.StartOfText or ClipPreTokenizer.EndOfText))
                    counts[piece] = counts.GetValueOrDefault(piece) + 1;
        var words = counts.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (Symbols: ClipByteMap.WordSymbols(kv.Key), Count: kv.Value))
            .ToList();

        var merges = new List<(string, string)>();
        while (merges.Count < maxMerges)
        {
            var pairs = new Dictionary<(string, string), int>();
            foreach (var (symbols, count) in words)
                for (var i = 0; i < symbols.Count - 1; i++)
                    pairs[(symbols[i], symbols[i + 1])] = pairs.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;
            if (pairs.Count == 0)
                break;
            var best = pairs.OrderByDescending(kv => kv.Value)
                .ThenBy(kv => kv.Key.Item1, StringComparer.Ordinal)
                .ThenBy(kv => kv.Key.Item2, StringComparer.Ordinal)
                .First().Key;
            merges.Add(best);
            for (var w = 0; w < words.Count; w++)
                words[w] = (MergePair(words[w].Symbols, best.Item1, best.Item2), words[w].Count);
        }

        var tokens = new List<string>(ClipByteMap.Symbols);
        tokens.AddRange(ClipByteMap.Symbols.Select(s => s + "</w>"));
        var seen = new HashSet<string>(tokens, StringComparer.Ordinal);
        foreach (var (left, right) in merges)
            if (seen.Add(left + right))
                tokens.Add(left + right);
        tokens.Add(ClipPreTokenizer.StartOfText);
        tokens.Add(ClipPreTokenizer.EndOfText);
        return new ClipVocab(tokens, merges);
    }

    // A corpus file: one phrase per line; blank lines and lines starting with '#' are skipped.
    public static IEnumerable<string> ReadCorpus(string path) =>
        File.ReadLines(path, Encoding.UTF8).Where(l => l.Length > 0 && !l.StartsWith('#'));

    // Writes vocab.json (token → id, in id order, non-ASCII kept literal) and merges.txt (with
    // the "#version: 0.2" header line of the HF files) into folder.
    public static void Write(ClipVocab vocab, string folder)
    {
        var json = new StringBuilder("{");
        var encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        for (var id = 0; id < vocab.Tokens.Count; id++)
            json.Append(id == 0 ? "" : ",").Append('"').Append(encoder.Encode(vocab.Tokens[id])).Append("\":").Append(id);
        json.Append("}\n");
        AtomicFile.WriteAllText(Path.Combine(folder, ClipTokenizer.VocabFile), json.ToString());
        var merges = new StringBuilder("#version: 0.2\n");
        foreach (var (left, right) in vocab.Merges)
            merges.Append(left).Append(' ').Append(right).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(folder, ClipTokenizer.MergesFile), merges.ToString());
    }

    // Every occurrence of (left, right), left to right, becomes one symbol (CLIP's merge step).
    private static List<string> MergePair(List<string> symbols, string left, string right)
    {
        var merged = new List<string>(symbols.Count);
        for (var i = 0; i < symbols.Count;)
        {
            if (i < symbols.Count - 1 && symbols[i] == left && symbols[i + 1] == right)
            {
                merged.Add(left + right);
                i += 2;
            }
            else
            {
                merged.Add(symbols[i]);
                i++;
            }
        }
        return merged;
    }
}
