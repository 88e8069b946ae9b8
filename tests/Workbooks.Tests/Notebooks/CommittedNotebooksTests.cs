using Workbooks.Reporting;

namespace Workbooks.Tests.Notebooks;

public class CommittedNotebooksTests
{
    public static IEnumerable<object[]> Notebooks() =>
        Directory.GetFiles(RepoPaths.Notebooks, "*.ipynb").Order(StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Notebook_has_cleared_outputs_and_vscode_metadata(string name)
    {
        var json = File.ReadAllText(Path.Combine(RepoPaths.Notebooks, name));
        Assert.Empty(NotebookDocument.Problems(json, name));
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Notebook_first_code_cell_imports_the_setup_file(string name)
    {
        var doc = NotebookDocument.Load(Path.Combine(RepoPaths.Notebooks, name));
        var first = doc.Cells.First(c => c.Kind == CellKind.Code);
        Assert.Equal("#!import .workbooks/setup.dib", first.Source.Trim());
    }

    [Fact]
    public void The_quickstart_exists_and_is_found_by_family_name()
    {
        var targets = Workbooks.Cli.Notebooks.RunTargets.Resolve("quickstart", RepoPaths.Root);
        Assert.Equal("00-quickstart", Assert.Single(targets).Name);
        Assert.Contains(Workbooks.Cli.Notebooks.RunTargets.Resolve("all", RepoPaths.Root), t => t.Name == "00-quickstart");
        var e = Assert.Throws<ArgumentException>(() => Workbooks.Cli.Notebooks.RunTargets.Resolve("no-such-family", RepoPaths.Root));
        Assert.Contains("no-such-family", e.Message);
    }

    [Fact]
    public void Every_family_notebook_is_trained_by_workers_of_its_family_and_the_quickstart_by_none()
    {
        // `workbooks run --jobs N` starts workers for the family a notebook runs; a wrong mapping would train
        // another family's grid (or none) before the notebook.
        var all = Workbooks.Cli.Notebooks.RunTargets.Resolve("all", RepoPaths.Root).Select(t => t.Name).ToList();
        foreach (var family in Workbooks.Cli.Commands.WorkerCommand.Families)
        {
            var notebook = Assert.Single(Workbooks.Cli.Notebooks.RunTargets.Resolve(family, RepoPaths.Root)).Name;
            Assert.Contains(notebook, all);
            Assert.Equal(family, Workbooks.Cli.Notebooks.NotebookRunner.FamilyOf(notebook));
        }
        Assert.Null(Workbooks.Cli.Notebooks.NotebookRunner.FamilyOf("00-quickstart"));
    }
}
