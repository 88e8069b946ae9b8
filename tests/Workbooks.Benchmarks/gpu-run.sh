#!/bin/bash
# Training speed of the Workbooks trainer against PyTorch eager, side by side on one Linux GPU machine:
#   0. the clip + AdamW step alone (TorchSharp's AdamW vs the flat one) on the S model;
#   1. throughput: ptbench.py's GPTs S (~7M, d256 L6 T256 B32) and M (124M, d768 L12 T1024 B8, vocab 50304 as
#      ptbench has it), PyTorch in bf16 weights (bf16w), autocast (amp) and forward+backward alone (bf16w-noopt),
#      beside `Workbooks.Benchmarks throughput` (bf16 compute with fp32 masters through the Trainer, the raw
#      TorchSharp loop, forward+backward alone), then a table of tokens/s and ratios;
#   2. unless SHAKESPEARE=0: nanoGPT's baby GPT on Tiny Shakespeare to validation loss 1.47, the Trainer
#      (`Workbooks.Benchmarks shakespeare`) beside its PyTorch twin (ptshakespeare.py, nanoGPT's train.py loop).
# Both sides run in this one call: timings moved by up to 25% between two machines of the same kind.
#
# Build the bundle on a machine with .NET, from the repository root (see ../shared/device/README.md):
#   dotnet publish tests/Workbooks.Benchmarks -c Release -r linux-x64 --self-contained false -o /tmp/pub
#   ../shared/device/make-bundle.sh /tmp/pub .device-bundle        # .device-bundle/ is git-ignored
# (-r linux-x64 keeps only Linux natives: about 48 MB in all instead of 86, under a device call's 64 MiB carry.)
# It holds the app without libtorch, the .NET runtime (about 26 MB) and ptbench.py; on the GPU machine
# TorchSharp's native wrapper loads PyTorch's own libtorch. Then, on the GPU machine (PyTorch with CUDA,
# no .NET needed), from the repository root:
#   bash tests/Workbooks.Benchmarks/gpu-run.sh [BUNDLE_DIR] 2>&1 | tee gpu-run.log
# Environment: STEPS (timed steps per loop, default 30), CONFIGS (default "S M"), SHAKESPEARE (1 or 0),
#   SHAKESPEARE_DATA (Tiny Shakespeare's input.txt; default: shared/data/tinyshakespeare/input.txt here or above).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bundle=${1:-.device-bundle}
steps=${STEPS:-30}
configs=${CONFIGS:-S M}
[ -x "$bundle/run.sh" ] || { echo "gpu-run.sh: no bundle at '$bundle' (build it as the header of this script says)" >&2; exit 2; }
python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' \
  || { echo "gpu-run.sh: PyTorch with CUDA is needed on this machine" >&2; exit 2; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

workbooks() { bash "$bundle/run.sh" Workbooks.Benchmarks.dll "$@"; }

for cfg in $configs; do
  for mode in bf16w amp bf16w-noopt; do
    timeout 300 python3 "$bundle/ptbench.py" cuda "$cfg" "$mode" "$steps" 2>&1 | tee -a "$log"
  done
done
timeout 300 workbooks optimizer --device cuda 2>&1 | tee -a "$log"
timeout 600 workbooks throughput --device cuda --configs "${configs// /,}" --precisions bf16 --steps "$steps" \
  --gpt2-vocab 50304 2>&1 | tee -a "$log"

if [ "${SHAKESPEARE:-1}" != 0 ]; then
  data=${SHAKESPEARE_DATA:-}
  if [ -z "$data" ]; then
    for dir in . .. ../..; do
      [ -f "$dir/shared/data/tinyshakespeare/input.txt" ] && { data="$dir/shared/data/tinyshakespeare/input.txt"; break; }
    done
  fi
  if [ -n "$data" ]; then
    timeout 600 workbooks shakespeare --device cuda --precision bf16 --data "$data" 2>&1 | tee -a "$log"
    timeout 600 python3 "$here/ptshakespeare.py" "$data" cuda 2>&1 | tee -a "$log"
  else
    echo "gpu-run.sh: Tiny Shakespeare not found; set SHAKESPEARE_DATA to run that part" | tee -a "$log"
  fi
fi

python3 - "$log" <<'PY'
import re, sys
rows = [dict(re.findall(r"(\w+)=(\S+)", l)) | {"who": l.split()[1]} for l in open(sys.argv[1]) if l.startswith("RESULT ")]
tps = lambda r: float(r["tok_per_s"])
def one(who, **kv):
    hits = [r for r in rows if r["who"] == who and all(r.get(k) == v for k, v in kv.items())]
    return hits[-1] if hits else None
print("\n== Side by side (tokens/s; ratio = Workbooks / PyTorch)")
print(f"| {'cfg':3} | {'Workbooks':40} | {'tok/s':>9} | {'PyTorch eager':22} | {'tok/s':>9} | {'ratio':>5} |")
print(f"|{'-'*5}|{'-'*42}|{'-'*11}|{'-'*24}|{'-'*11}|{'-'*7}|")
pairs = [("trainer-flat", "Trainer, flat AdamW, bf16 + fp32 master", "bf16w"),
         ("trainer-flat", "Trainer, flat AdamW, bf16 + fp32 master", "amp"),
         ("bare", "raw TorchSharp loop, bf16 weights", "bf16w"),
         ("fwdbwd", "forward+backward only, bf16", "bf16w-noopt")]
for cfg in sorted({r["cfg"] for r in rows if r["who"] == "workbooks"}):
    for row, label, mode in pairs:
        w, p = one("workbooks", cfg=cfg, row=row, mode="bf16"), one("pytorch", cfg=cfg, mode=mode)
        if w and p:
            print(f"| {cfg:3} | {label:40} | {tps(w):9.0f} | {'PyTorch ' + mode:22} | {tps(p):9.0f} | {tps(w) / tps(p):5.2f} |")
opt = [r for r in rows if r["who"] == "optimizer"]
if opt:
    print("\n== Clip + AdamW step alone, S model: " + ", ".join(f"{r['row']} {r['median_ms']} ms" for r in opt))
ws, ps = one("shakespeare"), one("ptshakespeare")
if ws or ps:
    print("\n== Tiny Shakespeare to validation loss 1.47 (nanoGPT on an H100, for reference: 1.467 at step 1750, about 21 ms/step)")
    for name, r in (("Workbooks Trainer", ws), ("PyTorch eager (nanoGPT loop)", ps)):
        if r: print(f"{name:30} reached at step {r.get('reached_step')}, val {r.get('val', r.get('best_val'))}, "
                    f"{r.get('train_s', '-')} s training, {r.get('ms_per_step')} ms/step")
    if ws and ps and ws.get("train_s") and ps.get("train_s"):
        print(f"time-to-target ratio (PyTorch / Workbooks, > 1 means Workbooks is faster): {float(ps['train_s']) / float(ws['train_s']):.2f}")
PY
