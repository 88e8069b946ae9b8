namespace Workbooks.Experiments.Repetition;

public sealed partial record RepetitionConfig
{
    /// <summary>Presets: smoke (CI, seconds), quick (a laptop CPU, minutes), full (one GPU, a generated corpus large enough for its budget).</summary>
    public static RepetitionConfig For(Profile profile) => profile.Kind switch
    {
        ProfileKind.Smoke => new()
        {
            ContextLength = 32, BatchSize = 8, Steps = 16, Epochs = [1, 2, 4, 8],
            Sizes = [new("d32", 32, 1, 2), new("d48", 48, 1, 2)], ReferenceSize = "d48",
            Seeds = [0], SeedsPerOtherSize = 1, Dropouts = [0.1], DropoutEpochs = [8],
            HeldOutBatches = 2, TrainEvalBatches = 1, Threads = 1,
        },
        ProfileKind.Quick => new(),
        _ => new()
        {
            GeneratedDocumentsPerDomain = 6000, ContextLength = 128, BatchSize = 32, Steps = 512,
            Epochs = [1, 2, 4, 8, 16, 32, 64],
            Sizes = [new("d128", 128, 4, 4), new("d256", 256, 4, 4), new("d384", 384, 6, 6)],
            Seeds = [0, 1, 2], SeedsPerOtherSize = 3, Dropouts = [0.1, 0.3], DropoutEpochs = [16, 32, 64],
            LearningRate = 1e-3, HeldOutBatches = 32, TrainEvalBatches = 8,
        },
    };

    /// <summary>Environment variable naming a corpus file that replaces the profile's default data (`workbooks run repetition --corpus FILE` sets it).</summary>
    public const string CorpusVariable = "WORKBOOKS_CORPUS";

    /// <summary>The profile's preset, with the corpus from <see cref="CorpusVariable"/> when it is set.</summary>
    public static RepetitionConfig FromEnvironment(Profile profile)
    {
        var preset = For(profile);
        return Environment.GetEnvironmentVariable(CorpusVariable) is { Length: > 0 } corpus
            ? preset.WithCorpus(corpus)
            : preset;
    }

    /// <summary>Train on the given corpus files instead of the default samples or generated documents.</summary>
    public RepetitionConfig WithCorpus(params string[] paths) =>
        this with { Corpus = paths.Select(Path.GetFullPath).ToList(), GeneratedDocumentsPerDomain = 0 };
}
