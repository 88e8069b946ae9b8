using TorchSharp;
using Workbooks.Torch;
using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>
/// The per-tensor differences finetuned - base, in float32 (float64 for F64 tensors), over the
/// floating-point tensors the filter selects. Supports the algebra of task arithmetic and the
/// measures used to compare fine-tunes: norms, cosine similarity and magnitude statistics.
/// </summary>
public sealed class TaskVector : IDisposable
{
    readonly Dictionary<string, Tensor> deltas;

    public IReadOnlyDictionary<string, Tensor> Deltas => deltas;
    public long ParameterCount => deltas.Values.Sum(t => t.NumberOfElements);

    TaskVector(Dictionary<string, Tensor> deltas) => this.deltas = deltas;

    public static TaskVector Between(IReadOnlyDictionary<string, Tensor> @base, IReadOnlyDictionary<string, Tensor> finetuned,
        ParameterFilter? filter = null)
    {
        TorchRuntime.EnsureLoaded();
        InputLayout.CheckSame("the base", InputLayout.Of(@base), "the fine-tuned model", InputLayout.Of(finetuned));
        filter ??= ParameterFilter.All;
        var result = new Dictionary<string, Tensor>();
        using (no_grad())
        {
            foreach (var (name, b) in @base)
            {
                if (!SafetensorsDType.IsFloating(b.dtype) || !filter.Selects(name)) continue;
                var work = WorkType(b.dtype);
                result[name] = finetuned[name].detach().to(work).sub(b.detach().to(work));
            }
        }
        return new TaskVector(result);
    }

    /// <summary>The task vector between two safetensors files (both loaded whole).</summary>
    public static TaskVector Between(string basePath, string finetunedPath, ParameterFilter? filter = null)
    {
        TorchRuntime.EnsureLoaded();
        var b = Safetensors.Load(basePath);
        try
        {
            var f = Safetensors.Load(finetunedPath);
            try
            {
                try { return Between(b, f, filter); }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"Task vector between '{basePath}' and '{finetunedPath}': {e.Message}", e);
                }
            }
            finally { foreach (var t in f.Values) t.Dispose(); }
        }
        finally { foreach (var t in b.Values) t.Dispose(); }
    }

    /// <summary>L2 norm of all entries as one flat vector.</summary>
    public double Norm() => Math.Sqrt(deltas.Values.Sum(d => Dot(d, d)));

    public double L1Norm() => deltas.Values.Sum(d => { using var a = d.abs(); using var s = a.sum(type: ScalarType.Float64); return s.ToDouble(); });

    /// <summary>Cosine similarity of the two vectors flattened over all parameters (0 when either is zero).</summary>
    public double CosineSimilarity(TaskVector other)
    {
        CheckSameNames(other);
        double dot = 0, aa = 0, bb = 0;
        foreach (var (name, a) in deltas)
        {
            var b = other.deltas[name];
            dot += Dot(a, b); aa += Dot(a, a); bb += Dot(b, b);
        }
        return aa == 0 || bb == 0 ? 0 : dot / Math.Sqrt(aa * bb);
    }

    /// <summary>Cosine similarity tensor by tensor (0 where either delta is zero).</summary>
    public IReadOnlyDictionary<string, double> CosineSimilarityPerTensor(TaskVector other)
    {
        CheckSameNames(other);
        return deltas.ToDictionary(kv => kv.Key, kv =>
        {
            var b = other.deltas[kv.Key];
            double dot = Dot(kv.Value, b), aa = Dot(kv.Value, kv.Value), bb = Dot(b, b);
            return aa == 0 || bb == 0 ? 0 : dot / Math.Sqrt(aa * bb);
        });
    }

    /// <summary>Magnitude statistics over all entries; quantiles from a seeded sample of at most <paramref name="sampleSize"/> entries.</summary>
    public DeltaStatistics Statistics(int sampleSize = 1 << 20, long seed = 0, IReadOnlyList<double>? quantiles = null)
    {
        if (sampleSize < 1) throw new ArgumentOutOfRangeException(nameof(sampleSize), "The sample size must be positive.");
        long n = ParameterCount;
        double sumAbs = 0, sumSq = 0, max = 0;
        var perTensor = new Dictionary<string, double>();
        var sample = new List<float>((int)Math.Min(n, sampleSize));
        using (no_grad())
        {
            foreach (var (name, d) in deltas)
            {
                using var scope = NewDisposeScope();
                var abs = d.abs().reshape(-1).to(ScalarType.Float32);
                var tensorSum = d.abs().sum(type: ScalarType.Float64).ToDouble();
                sumAbs += tensorSum;
                sumSq += Dot(d, d);
                if (abs.NumberOfElements > 0) max = Math.Max(max, abs.max().ToDouble());
                perTensor[name] = abs.NumberOfElements == 0 ? 0 : tensorSum / abs.NumberOfElements;
                if (n <= sampleSize) { sample.AddRange(abs.data<float>()); continue; }
                // Proportional allocation per tensor, each drawn from its own (seed, name) stream.
                var take = (long)Math.Round((double)sampleSize * abs.NumberOfElements / n);
                if (take == 0) continue;
                using var g = new Generator((ulong)Seeding.Derive(seed, name));
                var idx = randint(0, abs.NumberOfElements, [take], dtype: ScalarType.Int64, generator: g);
                sample.AddRange(abs.index_select(0, idx).cpu().data<float>());
            }
        }
        var sorted = sample.ToArray();
        Array.Sort(sorted);
        var qs = (quantiles ?? DeltaStatistics.DefaultQuantiles).ToDictionary(q => q, q => DeltaStatistics.Quantile(sorted, q));
        return new DeltaStatistics(n, n == 0 ? 0 : sumAbs / n, n == 0 ? 0 : Math.Sqrt(sumSq / n), max, qs, sorted, perTensor);
    }

    public void Dispose()
    {
        foreach (var t in deltas.Values) t.Dispose();
        deltas.Clear();
    }

    void CheckSameNames(TaskVector other)
    {
        var missing = deltas.Keys.Where(k => !other.deltas.ContainsKey(k)).Concat(other.deltas.Keys.Where(k => !deltas.ContainsKey(k))).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"The task vectors cover different tensors ({missing.Count} differ, e.g. '{missing[0]}'): build both with the same filter from models of one architecture.");
        foreach (var (name, d) in deltas)
            if (!d.shape.SequenceEqual(other.deltas[name].shape))
                throw new InvalidDataException($"Tensor '{name}' has different shapes in the two task vectors.");
    }

    static double Dot(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a.to(ScalarType.Float64) * b.to(ScalarType.Float64)).sum().ToDouble();
    }

    static ScalarType WorkType(ScalarType t) => t == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
}
