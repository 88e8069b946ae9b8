using TorchSharp;
using TorchSharp.Modules;
using Workbooks.Torch;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbooks.Models;

/// <summary>
/// A GPT-2-style decoder: pre-LayerNorm blocks, causal scaled-dot-product attention, GELU MLP and
/// an output layer tied to the token embedding. Parameter names follow Hugging Face's GPT2Model
/// (wte, wpe, h.N.attn.c_attn, ..., ln_f) so real checkpoints map onto it by name.
/// </summary>
public sealed class Gpt : nn.Module<Tensor, Tensor>
{
    public GptConfig Config { get; }

    readonly Embedding wte;
    readonly Embedding wpe;
    readonly Dropout drop;
    readonly ModuleList<Block> h;
    readonly LayerNorm ln_f;

    public Gpt(GptConfig config) : base("Gpt")
    {
        TorchRuntime.EnsureLoaded();
        config.Validate();
        Config = config;
        wte = nn.Embedding(config.VocabSize, config.Width);
        wpe = nn.Embedding(config.ContextLength, config.Width);
        drop = nn.Dropout(config.Dropout);
        h = new ModuleList<Block>(Enumerable.Range(0, config.Layers).Select(_ => new Block(config)).ToArray());
        ln_f = nn.LayerNorm(config.Width, elementwise_affine: true, bias: config.Bias);
        RegisterComponents();
        InitWeights();
    }

    // GPT-2's initialisation: N(0, 0.02), residual projections scaled by 1/sqrt(2 * layers).
    void InitWeights()
    {
        using var _ = no_grad();
        var residualStd = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith(".bias")) nn.init.zeros_(p);
            else if (name.StartsWith("ln_") || name.Contains(".ln_")) nn.init.ones_(p);
            else if (name.EndsWith("c_proj.weight")) nn.init.normal_(p, 0, residualStd);
            else nn.init.normal_(p, 0, 0.02);
        }
    }

    /// <summary>Logits [batch, time, vocab] for token ids [batch, time].</summary>
    public override Tensor forward(Tensor idx)
    {
        var t = idx.shape[1];
        if (t > Config.ContextLength)
            throw new ArgumentException($"Sequence length {t} exceeds the model's context length {Config.ContextLength}.");
        using var pos = arange(t, dtype: int64, device: idx.device);
        var x = drop.call(wte.call(idx).add(wpe.call(pos), Scalars.One));
        foreach (var block in h) x = block.call(x);
        x = ln_f.call(x);
        return F.linear(x, wte.weight!);
    }

    /// <summary>Mean next-token cross-entropy of targets [batch, time].</summary>
    public Tensor Loss(Tensor idx, Tensor targets)
    {
        using var logits = forward(idx);
        return F.cross_entropy(logits.view(-1, logits.shape[^1]), targets.view(-1));
    }

    /// <summary>Mean cross-entropy per sequence [batch], for per-sample reweighting and scoring.</summary>
    public Tensor LossPerSample(Tensor idx, Tensor targets)
    {
        using var logits = forward(idx);
        using var flat = F.cross_entropy(logits.view(-1, logits.shape[^1]), targets.view(-1), reduction: nn.Reduction.None);
        return MaskedMean(flat.view(targets.shape[0], targets.shape[1]), targets);
    }

    /// <summary>
    /// Per row, the mean of the token losses over the targets that count: all of them for packed text (plain
    /// mean), only the answer's for items whose other targets are the ignore index (cross-entropy gives those 0).
    /// </summary>
    public static Tensor MaskedMean(Tensor tokenLosses, Tensor targets)
    {
        using var counted = targets.ne(Scalars.Ignore);
        using var n = counted.sum([1]);
        if (n.min().item<long>() == targets.shape[1]) return tokenLosses.mean([1]);
        using var sum = tokenLosses.sum([1]);
        using var div = n.clamp_min(Scalars.One).to(tokenLosses.dtype);
        return sum / div;
    }

    public long ParameterCount(bool includePositionEmbeddings = true) =>
        parameters().Sum(p => p.numel()) - (includePositionEmbeddings ? 0 : wpe.weight!.numel());

    /// <summary>
    /// Extends each sequence in idx [batch, time] by newTokens tokens. temperature 0 is greedy;
    /// topK keeps only the k most likely tokens. Sampling draws from the given generator (or torch's).
    /// </summary>
    public Tensor Generate(Tensor idx, int newTokens, double temperature = 1.0, int? topK = null, Generator? generator = null)
    {
        if (temperature < 0) throw new ArgumentOutOfRangeException(nameof(temperature), "Temperature must be >= 0.");
        var wasTraining = training;
        eval();
        try
        {
            using var _ = no_grad();
            var seq = idx.alias();
            for (int i = 0; i < newTokens; i++)
            {
                using var scope = NewDisposeScope();
                var ctx = seq.shape[1] <= Config.ContextLength ? seq : seq[.., ^Config.ContextLength..];
                var logits = forward(ctx)[.., -1, ..];
                Tensor next;
                if (temperature == 0) next = logits.argmax(-1, keepdim: true);
                else
                {
                    logits = logits / temperature;
                    if (topK is int k && k < logits.shape[^1])
                    {
                        var kth = logits.topk(k).values[.., ^1..];
                        logits = logits.masked_fill(logits < kth, double.NegativeInfinity);
                    }
                    next = multinomial(F.softmax(logits, -1), 1, generator: generator);
                }
                var grown = cat([seq, next], 1).MoveToOuterDisposeScope();
                seq.Dispose();
                seq = grown;
            }
            return seq;
        }
        finally { train(wasTraining); }
    }

    sealed class Block : nn.Module<Tensor, Tensor>
    {
        readonly LayerNorm ln_1, ln_2;
        readonly CausalSelfAttention attn;
        readonly Mlp mlp;

        public Block(GptConfig c) : base("Block")
        {
            ln_1 = nn.LayerNorm(c.Width, bias: c.Bias);
            attn = new CausalSelfAttention(c);
            ln_2 = nn.LayerNorm(c.Width, bias: c.Bias);
            mlp = new Mlp(c);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            x = x.add(attn.call(ln_1.call(x)), Scalars.One);
            return x.add(mlp.call(ln_2.call(x)), Scalars.One);
        }
    }

    sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
    {
        readonly Linear c_attn, c_proj;
        readonly Dropout resid_dropout;
        readonly int heads;
        readonly double dropout;

        public CausalSelfAttention(GptConfig c) : base("CausalSelfAttention")
        {
            c_attn = nn.Linear(c.Width, 3 * c.Width, hasBias: c.Bias);
            c_proj = nn.Linear(c.Width, c.Width, hasBias: c.Bias);
            resid_dropout = nn.Dropout(c.Dropout);
            heads = c.Heads;
            dropout = c.Dropout;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            long b = x.shape[0], t = x.shape[1], c = x.shape[2];
            var qkv = c_attn.call(x).split(c, 2);
            Tensor Heads(Tensor z) => z.view(b, t, heads, c / heads).transpose(1, 2);
            var y = F.scaled_dot_product_attention(Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]),
                p: training ? dropout : 0.0, is_casual: true);
            y = y.transpose(1, 2).contiguous().view(b, t, c);
            return resid_dropout.call(c_proj.call(y));
        }
    }

    sealed class Mlp : nn.Module<Tensor, Tensor>
    {
        readonly Linear c_fc, c_proj;
        readonly Dropout dropout;

        public Mlp(GptConfig c) : base("Mlp")
        {
            c_fc = nn.Linear(c.Width, 4 * c.Width, hasBias: c.Bias);
            c_proj = nn.Linear(4 * c.Width, c.Width, hasBias: c.Bias);
            dropout = nn.Dropout(c.Dropout);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => dropout.call(c_proj.call(F.gelu(c_fc.call(x))));
    }
}
