using Workbooks.Reporting;

namespace Workbooks.Tests.Reporting;

public class HtmlReportTests
{
    [Fact]
    public void Report_inlines_plotly_once_and_renders_markdown_code_and_outputs()
    {
        var doc = NotebookDocument.Parse("""
        {"cells":[
          {"cell_type":"markdown","metadata":{},"source":["# Heading\n","*emphasis*"]},
          {"cell_type":"code","metadata":{},"source":["var a = 1 < 2;"],"outputs":[
            {"output_type":"display_data","data":{"text/html":"<table id=\"t\"></table>"}},
            {"output_type":"stream","name":"stdout","text":"printed <text>"}]}],
         "metadata":{},"nbformat":4,"nbformat_minor":2}
        """);
        var html = HtmlReport.Render(new[]
        {
            new ReportEntry("00-one", true, TimeSpan.FromSeconds(2), doc),
            new ReportEntry("01-two", false, TimeSpan.FromSeconds(1), null, "cell 3 failed"),
        });
        Assert.Contains("<h1 id=\"heading\">Heading</h1>", html);
        Assert.Contains("<em>emphasis</em>", html);
        Assert.Contains("var a = 1 &lt; 2;", html);
        Assert.Contains("<table id=\"t\"></table>", html);
        Assert.Contains("printed &lt;text&gt;", html);
        Assert.Contains("1 passed, 1 failed", html);
        Assert.Contains("cell 3 failed", html);
        Assert.Equal(1, CountOf(html, PlotlyJs.Source[..200]));
    }

    static int CountOf(string s, string part)
    {
        int n = 0, at = 0;
        while ((at = s.IndexOf(part, at, StringComparison.Ordinal)) >= 0) { n++; at += part.Length; }
        return n;
    }
}
