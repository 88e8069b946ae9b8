using System.Reflection;
using Microsoft.Data.Analysis;

namespace Workbooks.Reporting;

/// <summary>DataFrames from plain row records: one column per public property, in declaration order.</summary>
public static class Frames
{
    /// <summary>
    /// <c>Frames.FromRows(runs)</c> for any record or class: numbers, booleans and dates keep their type
    /// (nullable ones stay nullable), strings become string columns, anything else its ToString().
    /// </summary>
    public static DataFrame FromRows<T>(IEnumerable<T> rows)
    {
        var list = rows.ToList();
        var props = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.MetadataToken) // declaration order
            .ToList();
        if (props.Count == 0)
            throw new ArgumentException($"Frames.FromRows: {typeof(T).Name} has no public readable properties to make columns of.", nameof(rows));
        return new DataFrame(props.Select(p => Column(p, list)));
    }

    /// <summary>A frame from named columns of equal length, e.g. <c>Frames.FromColumns(("step", steps), ("loss", losses))</c>.</summary>
    public static DataFrame FromColumns(params (string Name, IReadOnlyList<double> Values)[] columns)
    {
        if (columns.Length == 0) throw new ArgumentException("Frames.FromColumns: no columns.", nameof(columns));
        var n = columns[0].Values.Count;
        foreach (var (name, values) in columns)
            if (values.Count != n)
                throw new ArgumentException($"Frames.FromColumns: column '{name}' has {values.Count} values, '{columns[0].Name}' has {n}.", nameof(columns));
        return new DataFrame(columns.Select(c => (DataFrameColumn)new DoubleDataFrameColumn(c.Name, c.Values)));
    }

    static DataFrameColumn Column<T>(PropertyInfo p, List<T> rows)
    {
        var type = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
        object? Get(T row) => row is null ? null : p.GetValue(row);
        return type switch
        {
            _ when type == typeof(double) => new DoubleDataFrameColumn(p.Name, rows.Select(r => (double?)Get(r))),
            _ when type == typeof(float) => new SingleDataFrameColumn(p.Name, rows.Select(r => (float?)Get(r))),
            _ when type == typeof(int) => new Int32DataFrameColumn(p.Name, rows.Select(r => (int?)Get(r))),
            _ when type == typeof(long) => new Int64DataFrameColumn(p.Name, rows.Select(r => (long?)Get(r))),
            _ when type == typeof(bool) => new BooleanDataFrameColumn(p.Name, rows.Select(r => (bool?)Get(r))),
            _ when type == typeof(decimal) => new DecimalDataFrameColumn(p.Name, rows.Select(r => (decimal?)Get(r))),
            _ when type == typeof(DateTime) => new DateTimeDataFrameColumn(p.Name, rows.Select(r => (DateTime?)Get(r))),
            _ => new StringDataFrameColumn(p.Name, rows.Select(r => Get(r)?.ToString())),
        };
    }
}
