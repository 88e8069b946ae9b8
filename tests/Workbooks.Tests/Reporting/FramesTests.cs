using Microsoft.Data.Analysis;
using Workbooks.Reporting;

namespace Workbooks.Tests.Reporting;

public class FramesTests
{
    sealed record RunRow(string Name, double Loss, int Seed, bool Held, double? Optional, TimeSpan Took);

    [Fact]
    public void FromRows_makes_one_typed_column_per_property_in_declaration_order()
    {
        var frame = Frames.FromRows(new[]
        {
            new RunRow("a", 1.5, 1, true, null, TimeSpan.FromSeconds(3)),
            new RunRow("b", 1.25, 2, false, 0.5, TimeSpan.FromSeconds(4)),
        });
        Assert.Equal(new[] { "Name", "Loss", "Seed", "Held", "Optional", "Took" }, frame.Columns.Select(c => c.Name));
        Assert.Equal(2, frame.Rows.Count);
        Assert.IsType<StringDataFrameColumn>(frame.Columns["Name"]);
        Assert.IsType<DoubleDataFrameColumn>(frame.Columns["Loss"]);
        Assert.IsType<Int32DataFrameColumn>(frame.Columns["Seed"]);
        Assert.IsType<BooleanDataFrameColumn>(frame.Columns["Held"]);
        Assert.Equal(1.25, frame.Columns["Loss"][1]);
        Assert.Null(frame.Columns["Optional"][0]);
        Assert.Equal(0.5, frame.Columns["Optional"][1]);
        Assert.Equal("00:00:04", frame.Columns["Took"][1]);
    }

    [Fact]
    public void FromColumns_rejects_columns_of_different_length()
    {
        var ok = Frames.FromColumns(("step", new double[] { 1, 2 }), ("loss", new double[] { 3, 2 }));
        Assert.Equal(2.0, ok.Columns["loss"][1]);
        var e = Assert.Throws<ArgumentException>(() => Frames.FromColumns(("step", new double[] { 1, 2 }), ("loss", new double[] { 3 })));
        Assert.Contains("'loss'", e.Message);
    }
}
