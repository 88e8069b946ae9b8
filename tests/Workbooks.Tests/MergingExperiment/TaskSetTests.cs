using Workbooks.Data;
using Workbooks.Data.Tokenization;
using Workbooks.Experiments;
using Workbooks.Experiments.Merging;
using Workbooks.Tests.Data;

namespace Workbooks.Tests.MergingExperiment;

public class TaskSetTests
{
    [Fact]
    public void Synthetic_held_out_items_are_fixed_distinct_and_never_trained_on()
    {
        var task = TaskSet.FromGenerator("task:add", 60, 30);
        Assert.Equal("add", task.Name);
        Assert.Equal(60, task.Test.Count);
        Assert.Equal(30, task.Tune.Count);
        var heldOut = task.Test.Concat(task.Tune).Select(d => d.Prompt).ToList();
        Assert.Equal(heldOut.Count, heldOut.Distinct().Count());
        Assert.Equal(task.Test.Select(d => d.Prompt), TaskSet.FromGenerator("task:add", 60, 30).Test.Select(d => d.Prompt));

        var train = task.Train(1, 2_000);
        Assert.Equal(2_000, train.Count);
        Assert.Empty(train.Select(d => d.Prompt).Intersect(heldOut));
        Assert.Equal(train.Select(d => d.Text), task.Train(1, 2_000).Select(d => d.Text));
        Assert.NotEqual(train.Select(d => d.Text), task.Train(2, 2_000).Select(d => d.Text));
    }

    [Fact]
    public void A_generator_without_answers_is_rejected_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => TaskSet.FromGenerator("domain:prose", 5, 5));
        Assert.Contains("domain:prose", e.Message);
    }

    [Fact]
    public void A_tasks_file_is_grouped_by_skill_and_split_without_overlap()
    {
        using var dir = new TempFolder();
        var lines = Enumerable.Range(0, 60).Select(i =>
        {
            var skill = i % 2 == 0 ? "double" : "negate";
            var answer = skill == "double" ? (2 * i).ToString() : (-i).ToString();
            var prompt = $"{skill} {i} =";
            return $"{{\"text\":\"{prompt}{answer}\\n\",\"prompt\":\"{prompt}\",\"answer\":\"{answer}\",\"skill\":\"{skill}\"}}";
        });
        var path = dir.Write("mine.jsonl", string.Join("\n", lines));
        var tasks = TaskSet.FromSpec(path, testItems: 100, tuneItems: 100);
        Assert.Equal(["double", "negate"], tasks.Select(t => t.Name));
        foreach (var t in tasks)
        {
            Assert.Equal(6, t.Test.Count);   // at most a fifth of 30
            Assert.Equal(3, t.Tune.Count);   // at most a tenth
            var train = t.Train(1, 0);
            Assert.Equal(21, train.Count);
            Assert.Empty(train.Select(d => d.Prompt).Intersect(t.Test.Concat(t.Tune).Select(d => d.Prompt)));
            Assert.All(t.Test, d => Assert.Equal(t.Name, d.Skill));
        }
    }

    [Fact]
    public void A_committed_sample_is_a_tasks_spec_and_its_identity_is_hashed()
    {
        var instruct = TaskSet.FromSpec("sample:instruct", 20, 10);
        Assert.Equal(["add", "count", "length", "reverse", "sort"], instruct.Select(t => t.Name).Order());
        Assert.All(instruct, t => Assert.Contains("sha256", Workbooks.Runs.ConfigHash.CanonicalJson(t.Description)));
        Assert.Throws<FileNotFoundException>(() => TaskSet.FromSpec("sample:no-such-sample", 20, 10));
    }

    [Fact]
    public void A_tasks_file_item_without_an_answer_names_the_spec_and_item()
    {
        using var dir = new TempFolder();
        var path = dir.Write("bad.jsonl", "{\"text\":\"a=1\\n\",\"prompt\":\"a=\",\"answer\":\"1\"}\n{\"text\":\"b=2\\n\",\"prompt\":\"b=\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => TaskSet.FromSpec(path, 10, 10));
        Assert.Contains("bad.jsonl", e.Message);
        Assert.Contains("item 2", e.Message);
    }

    [Fact]
    public void Every_profile_preset_is_valid_and_bad_settings_name_the_field()
    {
        foreach (var p in new[] { Profile.Smoke, Profile.Quick, Profile.Full }) MergingConfig.Preset(p).Validate();
        var e = Assert.Throws<ArgumentException>(() => (MergingConfig.Preset(Profile.Smoke) with { DropRates = [0.5, 1.0] }).Validate());
        Assert.Contains("DropRates", e.Message);
        e = Assert.Throws<ArgumentException>(() => (MergingConfig.Preset(Profile.Smoke) with { DropRates = [0.5] }).Validate());
        Assert.Contains("must include 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => (MergingConfig.Preset(Profile.Smoke) with { Seeds = [1, 1] }).Validate());
        Assert.Contains("Seeds", e.Message);
    }
}
