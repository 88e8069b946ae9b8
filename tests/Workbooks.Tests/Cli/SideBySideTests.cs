using Workbooks.Cli.Notebooks;
using Workbooks.Experiments;
using Workbooks.Experiments.Common;
using Workbooks.Experiments.Curriculum;
using Workbooks.Experiments.Merging;
using Workbooks.Experiments.Repetition;
using Workbooks.Experiments.Rewarming;
using Workbooks.Runs;
using Workbooks.Tests.Notebooks;
using Workbooks.Tests.Runs;

namespace Workbooks.Tests.Cli;

/// <summary>
/// A notebook's edited config reaches worker processes as a file (`workbooks worker --config FILE`), so that
/// FamilyRunner.TrainSideBySide trains exactly the grid the notebook then replays.
/// </summary>
public class SideBySideTests
{
    public static TheoryData<FamilyConfig> Presets() =>
    [
        CurriculumConfig.Preset(Profile.Quick), CurriculumConfig.Preset(Profile.Full),
        MergingConfig.Preset(Profile.Quick), MergingConfig.Preset(Profile.Full) with { TasksSpec = "sample:instruct" },
        RewarmingConfig.Preset(Profile.Quick), RewarmingConfig.Preset(Profile.Full),
        RepetitionConfig.Preset(Profile.Quick), RepetitionConfig.Preset(Profile.Full),
    ];

    [Theory]
    [MemberData(nameof(Presets))]
    public void Every_family_config_survives_its_file_field_for_field(FamilyConfig config)
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "config.json");
        FamilyConfigFile.Write(config, path);
        var read = typeof(FamilyConfigFile).GetMethod(nameof(FamilyConfigFile.Read))!.MakeGenericMethod(config.GetType());
        var back = (FamilyConfig)read.Invoke(null, [path])!;
        Assert.Equal(ConfigHash.CanonicalJson(config), ConfigHash.CanonicalJson(back));
        Assert.Equal(config.GetType(), back.GetType());
    }

    [Fact]
    public void A_bad_config_file_is_an_error_naming_it()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "broken.json");
        File.WriteAllText(path, "{\"Seeds\": [1, 1]}");
        var e = Assert.Throws<InvalidDataException>(() => FamilyConfigFile.Read<RepetitionConfig>(path));
        Assert.Contains("broken.json", e.Message);
        Assert.Contains("Seeds", e.Message);
        File.WriteAllText(path, "{not json");
        Assert.Contains("broken.json", Assert.Throws<InvalidDataException>(() => FamilyConfigFile.Read<RepetitionConfig>(path)).Message);
        Assert.Throws<FileNotFoundException>(() => FamilyConfigFile.Read<RepetitionConfig>(Path.Combine(dir.Path, "missing.json")));
    }

    [Fact]
    public void Workers_train_the_notebooks_edited_config_and_the_run_replays_all_of_it()
    {
        Assert.True(File.Exists(RepoPaths.CliDll), $"{RepoPaths.CliDll} is missing: build the solution first.");
        using var dir = new TempDirectory();
        // Seeds the profile's preset does not have: only the file can tell the workers about them.
        var config = RepetitionConfig.Preset(Profile.Smoke) with { Seeds = [11, 12, 13] };
        using var runner = new JobRunner(RunStore.Open(dir.Path));
        FamilyRunner.TrainSideBySide("repetition", config, runner, jobs: 2, cli: RepoPaths.CliDll);
        var trained = runner.Store.List("repetition").Count(r => r.Status == RunStatus.Finished);
        Assert.True(trained > 0, "the workers trained nothing");
        var result = RepetitionExperiment.Run(config, runner);
        Assert.Equal(result.Runs.Count, result.Cached);
    }
}
