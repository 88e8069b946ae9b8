# PyTorch twin of `Workbooks.Benchmarks shakespeare`: nanoGPT's baby GPT (config/train_shakespeare_char.py)
# trained as nanoGPT's train.py does it (eager, autocast bf16 on CUDA, fused AdamW, same schedule, clipping,
# data split and batch sampling) until the validation loss reaches the target, for a side-by-side time.
# Usage: python3 ptshakespeare.py INPUT_TXT [DEVICE=cuda] [MAX_STEPS=5000] [TARGET=1.47] [EVAL_INTERVAL=250] [EVAL_ITERS=200]
import sys, time, math, torch, torch.nn as nn, torch.nn.functional as F

path = sys.argv[1]
dev = sys.argv[2] if len(sys.argv) > 2 else "cuda"
max_steps = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
target = float(sys.argv[4]) if len(sys.argv) > 4 else 1.47
eval_interval = int(sys.argv[5]) if len(sys.argv) > 5 else 250
eval_iters = int(sys.argv[6]) if len(sys.argv) > 6 else 200
B, T, L, H, D, DROP = 64, 256, 6, 6, 384, 0.2
LR, MIN_LR, WARMUP, DECAY_STEPS = 1e-3, 1e-4, 100, 5000

text = open(path, encoding="utf-8").read()
chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
n = int(0.9 * len(data)); splits = {"train": data[:n], "val": data[n:]}
torch.manual_seed(1337)

def get_batch(split):
    d = splits[split]; ix = torch.randint(len(d) - T, (B,))
    x = torch.stack([d[i:i + T] for i in ix]); y = torch.stack([d[i + 1:i + 1 + T] for i in ix])
    return (x.pin_memory().to(dev, non_blocking=True), y.pin_memory().to(dev, non_blocking=True)) if dev == "cuda" else (x, y)

class Attn(nn.Module):
    def __init__(s):
        super().__init__(); s.c_attn = nn.Linear(D, 3 * D, bias=False); s.c_proj = nn.Linear(D, D, bias=False); s.drop = nn.Dropout(DROP)
    def forward(s, x):
        b, t, c = x.shape
        q, k, v = s.c_attn(x).split(c, 2)
        q, k, v = (z.view(b, t, H, c // H).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=DROP if s.training else 0, is_causal=True)
        return s.drop(s.c_proj(y.transpose(1, 2).contiguous().view(b, t, c)))

class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.ln_1 = nn.LayerNorm(D, bias=False); s.attn = Attn(); s.ln_2 = nn.LayerNorm(D, bias=False)
        s.mlp = nn.Sequential(nn.Linear(D, 4 * D, bias=False), nn.GELU(), nn.Linear(4 * D, D, bias=False), nn.Dropout(DROP))
    def forward(s, x): x = x + s.attn(s.ln_1(x)); return x + s.mlp(s.ln_2(x))

class GPT(nn.Module):
    def __init__(s, V):
        super().__init__(); s.wte = nn.Embedding(V, D); s.wpe = nn.Embedding(T, D); s.drop = nn.Dropout(DROP)
        s.h = nn.ModuleList([Block() for _ in range(L)]); s.ln_f = nn.LayerNorm(D, bias=False)
        for name, p in s.named_parameters():
            if p.dim() >= 2: nn.init.normal_(p, 0, 0.02 / math.sqrt(2 * L) if name.endswith("2.weight") or name.endswith("c_proj.weight") else 0.02)
    def forward(s, idx):
        x = s.drop(s.wte(idx) + s.wpe(torch.arange(idx.shape[1], device=idx.device)))
        for b in s.h: x = b(x)
        return F.linear(s.ln_f(x), s.wte.weight)

def lr_at(it):
    if it < WARMUP: return LR * (it + 1) / (WARMUP + 1)
    if it > DECAY_STEPS: return MIN_LR
    return MIN_LR + 0.5 * (1 + math.cos(math.pi * (it - WARMUP) / (DECAY_STEPS - WARMUP))) * (LR - MIN_LR)

model = GPT(len(chars)).to(dev)
decay = [p for p in model.parameters() if p.dim() >= 2]; no_decay = [p for p in model.parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                        lr=LR, betas=(0.9, 0.99), fused=(dev == "cuda"))
amp = torch.autocast(device_type=dev, dtype=torch.bfloat16, enabled=(dev == "cuda"))

@torch.no_grad()
def val_loss():
    model.eval(); losses = torch.zeros(eval_iters)
    for k in range(eval_iters):
        x, y = get_batch("val")
        with amp: losses[k] = F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1)).item()
    model.train(); return losses.mean().item()

print(f"ptshakespeare: {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters, device {dev}, torch {torch.__version__}")
train_s, reached, best = 0.0, None, float("inf")
for it in range(max_steps + 1):
    if it % eval_interval == 0 or it == max_steps:
        v = val_loss(); best = min(best, v)
        print(f"eval step {it:5d}: val loss {v:.4f}   train time {train_s:8.1f} s, {1000 * train_s / max(it, 1):.1f} ms/step", flush=True)
        if v <= target: reached = (it, v, train_s); break
    if it == max_steps: break
    t0 = time.perf_counter()
    for g in opt.param_groups: g["lr"] = lr_at(it)
    x, y = get_batch("train")
    with amp: loss = F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step(); opt.zero_grad(set_to_none=True)
    loss.item()  # read back every step, as the Workbooks trainer does
    train_s += time.perf_counter() - t0
steps = reached[0] if reached else max_steps
ms = 1000 * train_s / max(steps, 1)
if reached:
    print(f"RESULT ptshakespeare target={target} reached_step={reached[0]} val={reached[1]:.4f} train_s={reached[2]:.1f} ms_per_step={ms:.2f} device={dev}")
else:
    print(f"RESULT ptshakespeare target={target} reached_step=none steps={max_steps} best_val={best:.4f} ms_per_step={ms:.2f} device={dev}")
