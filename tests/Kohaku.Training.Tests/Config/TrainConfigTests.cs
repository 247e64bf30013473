using Kohaku.Diffusion.Sampling;
using Kohaku.Data.Config;
using Kohaku.Training.Config;

namespace Kohaku.Training.Tests.Config;

public class TrainConfigTests
{
    [Fact]
    public void Defaults_AreTheKohakuXlDeltaRecipe()
    {
        var c = new TrainConfig();
        // Δ ran this on 2 GPUs for 128 images per step; one process sees 64.
        Assert.Equal((4, 16, 64), (c.BatchSize, c.GradientAccumulation, c.EffectiveBatch));
        Assert.Equal((4e-5, 1e-5, 100), (c.UnetLearningRate, c.TextEncoderLearningRate, c.WarmupSteps));
        Assert.Equal((OptimizerKind.Lion8bit, 0.9, 0.95, 0.1), (c.Optimizer, c.Beta1, c.Beta2, c.WeightDecay));
        Assert.Equal((5.0, 1.0, 1337L), (c.MinSnrGamma, c.MaxGradNorm, c.Seed));
        Assert.Equal(("|||", 0.1), (c.KeepTokensSeparator, c.CaptionTagDropout));
        Assert.Empty(c.Problems());
    }

    // The data-parallel launcher hands the ranks the run's sections as a run file it writes itself.
    [Fact]
    public void Sections_WrittenWithRunFileOptions_ReadBackEqual()
    {
        var dir = Directory.CreateTempSubdirectory("kohaku-config-").FullName;
        try
        {
            var train = new TrainConfig { Processes = 1, GradientAccumulation = 3, SamplePrompts = ["a", "b"], Precision = TrainPrecision.Bf16, Tokenizer = "/abs/tok", ValidationIds = [5, 9], ValidationTimesteps = [300] };
            var lokr = new Kohaku.Diffusion.Lokr.LokrConfig { Factor = 4, SaveDtype = "bf16" };
            var path = Path.Combine(dir, "run.json");
            File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { ["train"] = train, ["lokr"] = lokr }, RunFile.Json));
            var back = RunFile.LoadSection<TrainConfig>(path, "train");
            // Lists compare by reference in a record's Equals: swapped in, then compared by value.
            Assert.Equal(train with { SamplePrompts = back.SamplePrompts, ValidationIds = back.ValidationIds, ValidationTimesteps = back.ValidationTimesteps }, back);
            Assert.Equal(train.SamplePrompts, back.SamplePrompts);
            Assert.Equal(train.ValidationIds, back.ValidationIds);
            Assert.Equal(train.ValidationTimesteps, back.ValidationTimesteps);
            Assert.Equal(lokr, RunFile.LoadSection<Kohaku.Diffusion.Lokr.LokrConfig>(path, "lokr"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Validate_SeveralBadFields_NamesEachOne()
    {
        var bad = new TrainConfig { BatchSize = 0, Beta2 = 1.0, MaxGradNorm = 0, SampleEverySteps = 10 };
        var e = Assert.Throws<ArgumentException>(() => bad.Validate());
        foreach (var field in new[] { "train.batchSize", "train.beta2", "train.maxGradNorm", "train.samplePrompts" })
            Assert.Contains(field, e.Message);
        Assert.Equal(4, bad.Problems().Count);
    }

    [Fact]
    public void LoadSection_RunFileTrainSection_ReadsOverridesAndKeepsDefaults()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{ "train": { "maxSteps": 30, "optimizer": "adamW", "samplePrompts": ["1girl, solo"] } }""");
            var c = RunFile.LoadSection<TrainConfig>(path, "train");
            Assert.Equal((30L, OptimizerKind.AdamW, 4), (c.MaxSteps, c.Optimizer, c.BatchSize));
            Assert.Equal(["1girl, solo"], c.SamplePrompts);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadSection_UnknownField_IsRefusedNamingIt()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{ "train": { "learningRate": 1e-4 } }""");
            var e = Assert.Throws<InvalidDataException>(() => RunFile.LoadSection<TrainConfig>(path, "train"));
            Assert.Contains("learningRate", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // Preview prompts take kohya's options; seeds without --d count up from sampleSeed per prompt.
    [Fact]
    public void Preview_KohyaOptions_OverrideTheSampleFields()
    {
        var config = new TrainConfig { SamplePrompts = ["a --n b --d 7 --s 9", "c"], SampleSteps = 12, SampleSeed = 100, SampleWidth = 128, SampleHeight = 128 };

        Assert.Equal(new SamplePrompt("a", "b", new SampleSettings(128, 128, 9, 7.5, 7)), config.Preview(0));
        Assert.Equal(new SamplePrompt("c", null, new SampleSettings(128, 128, 12, 7.5, 101)), config.Preview(1));
        Assert.Empty(config.Problems());
    }

    [Fact]
    public void Problems_PreviewPromptTooLargeOrEmpty_NamesIt()
    {
        var problems = new TrainConfig { SamplePrompts = ["a --w 8192", " --n only negative"] }.Problems();

        Assert.Contains("train.samplePrompts[0]: 8192x512 must fit in 4096x4096 (--w, --h)", problems);
        Assert.Contains("train.samplePrompts[1]: \" --n only negative\" has no prompt before its options", problems);
    }
}
