using Workbooks.NotebookHost;

// Usage: Workbooks.NotebookHost <notebook.ipynb> <executed.ipynb>
// Exit codes: 0 every cell ran, 1 a cell failed (the executed notebook is still written), 2 bad usage or host error.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: Workbooks.NotebookHost <notebook.ipynb> <executed.ipynb>");
    return 2;
}

var input = Path.GetFullPath(args[0]);
var output = Path.GetFullPath(args[1]);
if (!File.Exists(input))
{
    Console.Error.WriteLine($"{input}: notebook not found.");
    return 2;
}

try
{
    var result = await NotebookExecutor.RunAsync(input, output, Console.Out);
    return result.Succeeded ? 0 : 1;
}
catch (Exception e)
{
    Console.Error.WriteLine($"{input}: the notebook host failed: {e}");
    return 2;
}
