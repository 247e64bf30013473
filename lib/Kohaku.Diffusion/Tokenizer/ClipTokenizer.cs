using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace Kohaku.Diffusion.Tokenizer;

// The CLIP BPE tokenizer shared by SDXL's two text encoders (sdxl-arch.md §7), read from the HF
// vocab.json + merges.txt pair. Each word from ClipPreTokenizer becomes UTF-8 bytes mapped by
// ClipByteMap, with "</w>" glued to its last symbol, then the lowest-ranked adjacent pair is
// merged (all its occurrences, left to right) until no ranked pair is left.
// Written here rather than on Microsoft.ML.Tokenizers' BpeTokenizer: that model applies its
// end-of-word suffix and byte-level mapping through its own pre-tokenizer and normalizer
// contracts (offsets into the original text), which cannot express CLIP's cleanup (HTML
// unescape, whitespace collapse) or the specials inside CLIP's split regex; matching CLIP bit
// for bit matters more here than reuse, and the algorithm is short.
public sealed class ClipTokenizer
{
    private readonly Dictionary<string, int> _vocab;
    private readonly string[] _tokens;
    private readonly Dictionary<(string, string), int> _ranks;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    private ClipTokenizer(Dictionary<string, int> vocab, Dictionary<(string, string), int> ranks, int bos, int eos)
    {
        _vocab = vocab;
        _ranks = ranks;
        Bos = bos;
        Eos = eos;
        _tokens = new string[vocab.Values.Max() + 1];
        foreach (var (token, id) in vocab)
            _tokens[id] = token;
    }

    // <|startoftext|>: 49406 in CLIP's vocabulary.
    public int Bos { get; }

    // <|endoftext|>: 49407 in CLIP's vocabulary; TE1's pad.
    public int Eos { get; }

    // Embedding rows a text encoder needs for this vocabulary (largest id + 1).
    public int VocabSize => _tokens.Length;

    public static ClipTokenizer FromFiles(string vocabJson, string mergesTxt)
    {
        Dictionary<string, int> vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllBytes(vocabJson))
                ?? throw new InvalidDataException($"{vocabJson}: vocabulary is null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{vocabJson}: not a JSON object of token → id: {e.Message}", e);
        }
        if (vocab.Values.Any(id => id < 0))
            throw new InvalidDataException($"{vocabJson}: negative token id for '{vocab.First(kv => kv.Value < 0).Key}'");
        var bos = vocab.TryGetValue(ClipPreTokenizer.StartOfText, out var b) ? b : throw new InvalidDataException($"{vocabJson}: no '{ClipPreTokenizer.StartOfText}' token");
        var eos = vocab.TryGetValue(ClipPreTokenizer.EndOfText, out var e2) ? e2 : throw new InvalidDataException($"{vocabJson}: no '{ClipPreTokenizer.EndOfText}' token");
        return new ClipTokenizer(vocab, ReadMerges(mergesTxt, vocab), bos, eos);
    }

    // merges.txt: an optional "#version" line, then one "left right" pair per line, rank = order.
    private static Dictionary<(string, string), int> ReadMerges(string path, Dictionary<string, int> vocab)
    {
        var ranks = new Dictionary<(string, string), int>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
                continue;
            var parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new InvalidDataException($"{path}: line {lineNumber} is not a 'left right' pair: '{line}'");
            if (!vocab.ContainsKey(parts[0] + parts[1]))
                throw new InvalidDataException($"{path}: line {lineNumber} merges into '{parts[0] + parts[1]}', which the vocabulary lacks");
            ranks.TryAdd((parts[0], parts[1]), ranks.Count);
        }
        return ranks;
    }

    // Token ids of the text, without BOS/EOS.
    public int[] Encode(string text)
    {
        var ids = new List<int>();
        foreach (var piece in ClipPreTokenizer.Split(text))
        {
            if (piece == ClipPreTokenizer.StartOfText)
                ids.Add(Bos);
            else if (piece == ClipPreTokenizer.EndOfText)
                ids.Add(Eos);
            else
                ids.AddRange(_cache.GetOrAdd(piece, EncodeWord));
        }
        return ids.ToArray();
    }

    // kohya's chunked ids for one caption: maxTokens/75 rows of 77, flattened (see KohyaTokenChunks).
    // padId: Eos for TE1, 0 for TE2.
    public long[] EncodeChunks(string text, int padId, int maxTokens = 225) =>
        KohyaTokenChunks.Build(Encode(text), Bos, Eos, padId, maxTokens);

    public string Decode(IEnumerable<int> ids)
    {
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            var token = id >= 0 && id < _tokens.Length && _tokens[id] is { } t ? t : throw new ArgumentOutOfRangeException(nameof(ids), id, "not a token id");
            foreach (var ch in token.Replace("</w>", " ", StringComparison.Ordinal))
                bytes.AddRange(ClipByteMap.CharToByte.TryGetValue(ch, out var by) ? [by] : Encoding.UTF8.GetBytes(ch.ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray()).Trim();
    }

    private int[] EncodeWord(string word)
    {
        var symbols = ClipByteMap.WordSymbols(word);
        while (symbols.Count > 1)
        {
            var best = -1;
            var bestRank = int.MaxValue;
            for (var i = 0; i < symbols.Count - 1; i++)
            {
                if (_ranks.TryGetValue((symbols[i], symbols[i + 1]), out var rank) && rank < bestRank)
                    (best, bestRank) = (i, rank);
            }
            if (best < 0)
                break;
            symbols = MergePair(symbols, symbols[best], symbols[best + 1]);
        }
        // A symbol outside the vocabulary (only possible with a vocabulary lacking base bytes)
        // becomes EOS, HF CLIPTokenizer's unk_token.
        return symbols.Select(s => _vocab.TryGetValue(s, out var id) ? id : Eos).ToArray();
    }

    internal static List<string> MergePair(List<string> symbols, string left, string right)
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
