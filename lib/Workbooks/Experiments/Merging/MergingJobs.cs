using Workbooks.Experiments.Common;
using Workbooks.Training;

namespace Workbooks.Experiments.Merging;

/// <summary>The experiment's training jobs: the base, and per seed the task fine-tunes, the CPT model and the instruction model.</summary>
public static class MergingJobs
{
    public const string BaseName = "base";
    public const string CptPrefix = "cpt";
    public const string InstructPrefix = "instruct";

    public static string FineTuneName(string task, long seed) => $"ft:{task}:s{seed}";
    public static string CptName(string domain, long seed) => $"{CptPrefix}:{domain}:s{seed}";
    public static string InstructName(long seed) => $"{InstructPrefix}:s{seed}";

    public static TrainingJob Base(MergingConfig config, MergingData data) =>
        Job(config, BaseName, config.Base, config.BaseSeed, data.BaseDescription);

    public static TrainingJob FineTune(MergingConfig config, MergingData data, TaskSet task, long seed, JobStart start) =>
        Job(config, FineTuneName(task.Name, seed), config.FineTune, seed, data.TaskDescription(task, seed, config.FineTune)) with { StartFrom = start };

    public static TrainingJob Cpt(MergingConfig config, MergingData data, long seed, JobStart start) =>
        Job(config, CptName(data.DomainSetName, seed), config.Cpt, seed, data.CptDescription(seed)) with { StartFrom = start };

    public static TrainingJob Instruct(MergingConfig config, MergingData data, long seed, JobStart start) =>
        Job(config, InstructName(seed), config.InstructTune, seed, data.TaskDescription(data.Instruct, seed, config.InstructTune)) with { StartFrom = start };

    static TrainingJob Job(MergingConfig config, string name, MergingConfig.Stage stage, long seed, object data) => new()
    {
        Experiment = config.Experiment,
        Name = name,
        Model = config.Model,
        Train = new TrainConfig
        {
            Steps = stage.Steps,
            Schedule = new WarmupCosine(stage.LearningRate, stage.WarmupSteps, stage.Steps, stage.LearningRate / 10),
            WeightDecay = stage.WeightDecay,
            Seed = seed,
            Device = config.Device,
            Threads = config.Threads,
            EvalInterval = (int)Math.Max(1, stage.Steps / 5),
            LogInterval = (int)Math.Max(1, stage.Steps / 50),
        },
        Data = data,
    };
}
