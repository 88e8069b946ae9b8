using Workbooks.Experiments;
using Workbooks.Experiments.Common;
using Workbooks.Experiments.Curriculum;
using Workbooks.Runs;
using Workbooks.Tests.Training;

namespace Workbooks.Tests.Curriculum;

public class ExperimentTests
{
    // Smaller than the smoke profile: a handful of steps per arm, every part present.
    static CurriculumConfig Tiny => CurriculumConfig.Preset(Profile.Smoke) with
    {
        Steps = 8, EvalInterval = 4, ReferenceSteps = 4, SkillItRoundSteps = 4, ValidationSequences = 8, SkillValidationItems = 8, Device = "cpu",
        // Own-loss pacing re-ranks with the model being trained at step 4 (TinyHelenStages = 2).
        OrderingArms = [.. CurriculumConfig.Preset(Profile.Smoke).OrderingArms, "pacing:own-loss"],
    };

    static CurriculumResult RunIn(string dir)
    {
        using var runner = new JobRunner(RunStore.Open(dir));
        return CurriculumExperiment.Run(Tiny, runner);
    }

    static IEnumerable<(string, string, string, long)> Keys(CurriculumResult r) => r.Runs.Select(x => (x.Part, x.Dataset, x.Arm, x.Seed));

    [Fact]
    public void Smoke_experiment_has_every_arm_and_the_same_seed_gives_the_same_numbers()
    {
        using var d1 = new TempDir();
        using var d2 = new TempDir();
        var a = RunIn(d1.Path);
        var b = RunIn(d2.Path);

        var c = Tiny;
        var expected = c.OrderingArms.SelectMany(arm => c.Seeds.Select(s => (CurriculumParts.Ordering, "difficulty:arithmetic", arm, s)))
            .Concat(c.SkillArms.SelectMany(arm => c.Seeds.Select(s => (CurriculumParts.Skills, "strops", arm, s))))
            .Concat(c.ReweightingArms.SelectMany(arm => c.Seeds.Select(s => (CurriculumParts.Reweighting, "difficulty:arithmetic", arm, s))));
        Assert.Equal(expected.Order(), Keys(a).Order());
        Assert.All(a.Runs, r => Assert.Equal(3, r.Curve.Count)); // steps 0, 4, 8
        Assert.All(a.Runs.Where(r => r.Part == CurriculumParts.Skills), r => Assert.NotNull(r.TargetAccuracy));
        // Every ordering run on the graded sums scored the held-out questions.
        Assert.All(a.Runs.Where(r => r.Part == CurriculumParts.Ordering), r =>
        {
            Assert.NotNull(r.Answers);
            Assert.InRange(r.Answers!.TokenAccuracy, 0, 1);
            Assert.InRange(r.Answers.ExactMatch, 0, 1);
        });
        Assert.Contains(a.Runs, r => r.Arm == CurriculumArms.SkillIt && r.Mixture is { Count: 2 });
        Assert.Equal(4, a.Verdict.Claims.Count);
        Assert.Equal(["level", "length", "rarity", "reference-loss"], a.Agreement.Single().Measures);
        Assert.Equal(["copy", "reverse", "upper", "revup"], a.SkillNames);
        // Skill-it's graph measured from data: one single-skill run per skill, a relative loss drop in [0, 1] per pair.
        Assert.Equal(4, a.MeasuredSkillGraph!.Count);
        Assert.All(a.MeasuredSkillGraph, row => Assert.All(row, x => Assert.InRange(x, 0, 1)));
        Assert.Equal(a.MeasuredSkillGraph, b.MeasuredSkillGraph);

        Assert.Equal(a.Runs.Select(r => r.Curve.Select(p => p.Value).ToArray()), b.Runs.Select(r => r.Curve.Select(p => p.Value).ToArray()));
        Assert.Equal(a.Runs.Select(r => r.TargetAccuracy), b.Runs.Select(r => r.TargetAccuracy));
        Assert.Equal(a.Runs.Select(r => r.Answers), b.Runs.Select(r => r.Answers));
        Assert.Equal(a.Agreement.Single().Spearman, b.Agreement.Single().Spearman);
        // Different orders give different curves: the arms are not all the same run.
        Assert.True(a.Runs.Where(r => r.Part == CurriculumParts.Ordering && r.Seed == 1).Select(r => r.Final).Distinct().Count() > 1);
    }

    [Fact]
    public void A_second_run_replays_every_arm_from_the_store()
    {
        using var d = new TempDir();
        var first = RunIn(d.Path);
        var second = RunIn(d.Path);
        Assert.All(first.Runs, r => Assert.False(r.Cached));
        Assert.All(second.Runs, r => Assert.True(r.Cached));
        Assert.Equal(first.Runs.Select(r => r.Final), second.Runs.Select(r => r.Final));
        Assert.Equal(first.Runs.Select(r => r.Answers), second.Runs.Select(r => r.Answers));
        Assert.Equal(first.Runs.Where(r => r.Mixture is not null).Select(r => r.Mixture!.Count), second.Runs.Where(r => r.Mixture is not null).Select(r => r.Mixture!.Count));
    }
}
