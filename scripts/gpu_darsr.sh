#!/usr/bin/env bash
# DARSR x2 on one CUDA GPU in a 10-minute budget: python -m benchmarks.div2krk with DARSR's paper preset
# (3000 DSEM + 3000 joint iterations, batch 16, crop 128) on the first IMAGES images of its DIV2KRK-style
# set (B100 under ../shared/datasets, DATA=<folder>; kernels of seed 0), arms raw, analytic_true,
# analytic, darsr and darsr_true (DARM through the true kernel), DARSR on --device cuda with --precision PRECISION (default bf16); writes the same
# table as the benchmark (div2krk_x2.md and .json) to OUT_DIR and prints it.
# IMAGES (default 2) is an estimate of what fits (about 4 minutes per image for the analytic and darsr
# arms; no GPU measured yet); the run is stopped at LIMIT_SECONDS (default 570 s), and then writes no
# table: run again with IMAGES=1.
#   bash scripts/gpu_darsr.sh [OUT_DIR]                 # default OUT_DIR gpu_runs/darsr
#   SMOKE=1 bash scripts/gpu_darsr.sh OUT               # CPU, fp32, the tiny preset on one bundled image (~1 min)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-gpu_runs/darsr}
DATA=${DATA:-../shared/datasets}
SMOKE=${SMOKE:-0}
mkdir -p "$OUT"
t_start=$(date +%s)

if [ "$SMOKE" = 1 ]; then
    export CUDA_VISIBLE_DEVICES=""
    # bundled Set5 + Set14, third image (butterfly, a 128x128 LR), the tiny preset
    args=(--preset tiny --images 1 --skip 2 --device cpu --precision fp32 --threads 1)
    LIMIT_SECONDS=${LIMIT_SECONDS:-300}
    label="smoke: tiny preset, cpu, fp32"
else
    IMAGES=${IMAGES:-2}; PRECISION=${PRECISION:-bf16}
    args=(--preset paper --images "$IMAGES" --data_root "$DATA" --device cuda --precision "$PRECISION")
    LIMIT_SECONDS=${LIMIT_SECONDS:-570}
    label="paper preset, $IMAGES images, cuda, $PRECISION"
fi

rc=0
timeout -s TERM -k 30 "$LIMIT_SECONDS" python -m benchmarks.div2krk --scale 2 \
    --arms raw analytic_true analytic darsr darsr_true "${args[@]}" --out "$OUT" > "$OUT/div2krk.log" 2>&1 || rc=$?
if [ "$rc" = 124 ]; then
    echo "error: not finished in $LIMIT_SECONDS s; run again with fewer images (IMAGES=1)" >&2; exit 1
elif [ "$rc" != 0 ]; then
    tail -n 20 "$OUT/div2krk.log"; echo "error: benchmarks.div2krk failed (exit $rc), log: $OUT/div2krk.log" >&2; exit 1
fi
t_end=$(date +%s)

echo "== DARSR x2, DIV2KRK-style set ($label): $(( t_end - t_start )) s"
cat "$OUT/div2krk_x2.md"
echo "SUMMARY darsr: table $OUT/div2krk_x2.md (MEAN row: PSNR/SSIM of SRFBN-S per arm, gain over raw)"
