using Workbooks.Reporting;

namespace Workbooks.Tests.Reporting;

public class NotebookDocumentTests
{
    [Fact]
    public void Written_notebooks_read_back_and_are_clean()
    {
        var cells = new[] { NotebookCell.Markdown("# Title\n\ntext"), NotebookCell.Code("var x = 1;\nx + 1") };
        var json = NotebookDocument.ToJson(cells);
        Assert.Empty(NotebookDocument.Problems(json));
        Assert.Contains("\n \"cells\": [", json); // VS Code's one-space indentation
        var doc = NotebookDocument.Parse(json);
        Assert.Equal(cells.Select(c => (c.Kind, c.Source)), doc.Cells.Select(c => (c.Kind, c.Source)));
    }

    [Fact]
    public void Problems_reports_outputs_and_missing_kernel_metadata()
    {
        const string json = """
        {"cells":[{"cell_type":"code","execution_count":3,"metadata":{},"outputs":[{"output_type":"stream","name":"stdout","text":["hi"]}],"source":["1"]}],
         "metadata":{"kernelspec":{"name":"python3"}},"nbformat":4,"nbformat_minor":2}
        """;
        var problems = NotebookDocument.Problems(json, "x.ipynb");
        Assert.Contains(problems, p => p.Contains("cell 0 has outputs"));
        Assert.Contains(problems, p => p.Contains("execution_count"));
        Assert.Contains(problems, p => p.Contains("kernelspec"));
        Assert.Contains(problems, p => p.Contains("kernelName"));
        Assert.All(problems, p => Assert.StartsWith("x.ipynb:", p));
    }

    [Fact]
    public void Parse_reads_outputs_in_both_text_forms_and_names_the_file_on_errors()
    {
        const string json = """
        {"cells":[{"cell_type":"code","metadata":{},"source":"display(1)","outputs":[
          {"output_type":"display_data","data":{"text/html":["<b>", "1</b>"],"text/plain":"1"},"metadata":{}},
          {"output_type":"error","ename":"Error","evalue":"boom","traceback":["at x"]}]}],"metadata":{},"nbformat":4,"nbformat_minor":2}
        """;
        var cell = NotebookDocument.Parse(json).Cells.Single();
        Assert.Equal("<b>1</b>", cell.Outputs[0].Data["text/html"]);
        Assert.True(cell.Outputs[1].IsError);
        Assert.Contains("boom", cell.Outputs[1].Text);
        var e = Assert.Throws<InvalidDataException>(() => NotebookDocument.Parse("{}", "broken.ipynb"));
        Assert.Contains("broken.ipynb", e.Message);
    }
}
