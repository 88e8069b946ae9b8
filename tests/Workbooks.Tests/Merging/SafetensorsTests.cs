using System.Buffers.Binary;
using System.Text;
using TorchSharp;
using Workbooks.ModelMerging;
using static TorchSharp.torch;
using static Workbooks.Tests.Merging.MergeTestData;
using PyBridge = TorchSharp.PyBridge.Safetensors;

namespace Workbooks.Tests.Merging;

/// <summary>The streaming safetensors reader and writer: round trips with PyBridge, and bad files.</summary>
public class SafetensorsTests
{
    public SafetensorsTests() => Workbooks.Torch.TorchRuntime.EnsureLoaded();

    static Dictionary<string, Tensor> Mixed()
    {
        using var g = new Generator(5);
        return new Dictionary<string, Tensor>
        {
            ["a.f32"] = randn([3, 4], generator: g),
            ["b.f16"] = randn([5], generator: g).to(ScalarType.Float16),
            ["c.bf16"] = randn([2, 2, 3], generator: g).to(ScalarType.BFloat16),
            ["d.i64"] = arange(6, dtype: ScalarType.Int64).reshape(2, 3),
            ["e.scalar"] = tensor(3.5f),
        };
    }

    static void AssertSame(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (k, v) in expected) Assert.True(BitEqual(v, actual[k]), $"tensor {k} differs");
    }

    [Fact]
    public void Files_written_here_load_identically_in_pybridge()
    {
        using var dir = new TempDir();
        var path = dir.File("m.safetensors");
        var tensors = Mixed();
        Safetensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        AssertSame(tensors, PyBridge.LoadStateDict(path));
        // The data section starts 8-byte aligned, as the reference writer makes it.
        using var reader = SafetensorsReader.Open(path);
        Assert.Equal(0, reader.DataStart % 8);
        Assert.Equal("pt", reader.Metadata["format"]);
    }

    [Fact]
    public void Files_written_by_pybridge_load_identically_here()
    {
        using var dir = new TempDir();
        var path = dir.File("p.safetensors");
        var tensors = Mixed();
        PyBridge.SaveStateDict(path, tensors);
        AssertSame(tensors, Safetensors.Load(path));
    }

    [Fact]
    public void Reader_reads_single_tensors_by_name()
    {
        using var dir = new TempDir();
        var path = dir.File("m.safetensors");
        var tensors = Mixed();
        Safetensors.Save(path, tensors);
        using var reader = SafetensorsReader.Open(path);
        Assert.Equal(tensors.Keys, reader.Entries.Select(e => e.Name));
        Assert.True(BitEqual(tensors["c.bf16"], reader.Read("c.bf16")));
        Assert.Equal([2L, 2, 3], reader.Entry("c.bf16").Shape);
        Assert.Throws<KeyNotFoundException>(() => reader.Read("nope"));
    }

    static string WriteValid(TempDir dir, string name = "m.safetensors")
    {
        var path = dir.File(name);
        Safetensors.Save(path, Mixed());
        return path;
    }

    [Fact]
    public void Truncated_data_is_reported_with_the_file_and_tensor()
    {
        using var dir = new TempDir();
        var path = WriteValid(dir);
        using (var f = File.OpenWrite(path)) f.SetLength(f.Length - 3);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsReader.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("e.scalar", e.Message);
    }

    [Fact]
    public void Header_length_beyond_the_file_is_reported_as_truncated()
    {
        using var dir = new TempDir();
        var path = dir.File("short.safetensors");
        var bytes = new byte[20];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsReader.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("header length (1000 bytes) runs beyond the file's size (20 bytes)", e.Message);

        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Contains("too short", Assert.Throws<InvalidDataException>(() => SafetensorsReader.Open(path)).Message);
    }

    [Fact]
    public void Corrupt_json_header_is_reported()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.safetensors");
        var json = Encoding.UTF8.GetBytes("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]");
        var bytes = new byte[8 + json.Length + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsReader.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("corrupt JSON header", e.Message);
    }

    [Theory]
    [InlineData("{\"w\": {\"dtype\": \"F8_E4M3\", \"shape\": [2], \"data_offsets\": [0, 2]}}", "unsupported dtype 'F8_E4M3'")]
    [InlineData("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", "8 bytes of data for 3 elements")]
    [InlineData("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 800]}}", "beyond the 8 bytes of data")]
    [InlineData("{\"w\": {\"dtype\": \"F32\", \"shape\": [2]}}", "data_offsets must be")]
    [InlineData("[1, 2]", "expected a JSON object")]
    public void Inconsistent_headers_are_reported(string header, string expected)
    {
        using var dir = new TempDir();
        var path = dir.File("odd.safetensors");
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsReader.Open(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Writer_leaves_nothing_behind_unless_committed()
    {
        using var dir = new TempDir();
        var path = dir.File("out.safetensors");
        using (var w = SafetensorsWriter.Create(path, [("a", ScalarType.Float32, [2L]), ("b", ScalarType.Float32, [2L])]))
        {
            w.Write("a", zeros(2));
            Assert.Throws<InvalidOperationException>(() => w.Write("b", zeros(3)));
            Assert.Throws<InvalidOperationException>(() => w.Commit());
        }
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void Saving_over_an_existing_file_replaces_it_whole()
    {
        using var dir = new TempDir();
        var path = WriteValid(dir);
        var small = Dict(("x", ones(2)));
        Safetensors.Save(path, small);
        AssertSame(small, Safetensors.Load(path));
        Assert.Single(dir.Files());
    }
}
