using Workbooks.Torch;
Console.WriteLine(TorchRuntime.Describe());
