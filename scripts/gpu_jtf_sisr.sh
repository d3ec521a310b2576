#!/usr/bin/env bash
# JTF-SISR x4 on one CUDA GPU in a 10-minute budget: trains the paper's network (--model model, batch 16,
# HR patch 96, bf16 autocast) for at most TRAIN_SECONDS (default 450 s) of wall time, then evaluates the
# latest weights with --test_only on Set5, Set14, B100 and Urban100 and prints the PSNR/SSIM lines.
# Training data: DIV2K when a folder holding DIV2K/ is given (DIV2K=<folder> or the second argument), else
# T91 + BSD200 from ../shared/datasets (DATA=<folder> to change).
# Iterations: ITERS (default 12000 = 12 epochs of 1000, an estimate of 0.04 s per step on an H200, no GPU
# measured yet); the run also stops at TRAIN_SECONDS, whichever comes first (SIGTERM: jtf_sisr stops and
# its last finished epoch is what is evaluated). LR halves at two thirds of ITERS.
#   bash scripts/gpu_jtf_sisr.sh [OUT_DIR] [DIV2K_PARENT]        # default OUT_DIR gpu_runs/jtf_sisr
#   SMOKE=1 bash scripts/gpu_jtf_sisr.sh OUT                      # CPU, fp32, tiny network and data (~1 min)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/gpu_lib.sh
OUT=${1:-gpu_runs/jtf_sisr}
DIV2K=${2:-${DIV2K:-}}
DATA=${DATA:-../shared/datasets}
SMOKE=${SMOKE:-0}
mkdir -p "$OUT"
t_start=$(date +%s)

if [ "$SMOKE" = 1 ]; then
    python scripts/gpu_prep.py hr_folder "$OUT/data/tiny/HR" benchmarks/data/Set14/HR --min_size 48 --crop 48 --limit 4
    dir_data=$OUT/data; train_set=tiny; test_sets=Set5
    ITERS=${ITERS:-4}; TEST_EVERY=2; TRAIN_SECONDS=${TRAIN_SECONDS:-120}
    hw=(--cpu --n_threads 0 --precision single)
    size=(--patch_size 24 --batch_size 2 --n_feats 8 --n_resblocks 1 --n_stages 1)
else
    if [ -n "$DIV2K" ]; then
        dir_data=$DIV2K; train_set=DIV2K
    else
        dir_data=$DATA; train_set=T91+BSD200
    fi
    test_sets=Set5+Set14+B100+Urban100
    ITERS=${ITERS:-12000}; TEST_EVERY=1000; TRAIN_SECONDS=${TRAIN_SECONDS:-450}
    hw=(--n_threads 8 --precision bf16)
    size=(--patch_size 96 --batch_size 16)
fi
EPOCHS=$(( ITERS / TEST_EVERY ))
DECAY=$(( EPOCHS * 2 / 3 > 0 ? EPOCHS * 2 / 3 : 1 ))

# training: --data_test Set5 only, each epoch's check; stopped by timeout at TRAIN_SECONDS at the latest
timed_train train "$TRAIN_SECONDS" \
    python jtf_sisr/main.py --model model --scale 4 --save jtf_x4 --dir_experiment "$OUT/experiment" \
        --dir_data "$dir_data" --data_train "$train_set" --data_test Set5 "${hw[@]}" "${size[@]}" \
        --lr 1e-4 --epochs "$EPOCHS" --test_every "$TEST_EVERY" --decay "$DECAY" --compile off --print_every 100
t_train=$(date +%s)
weights=$OUT/experiment/jtf_x4/model/model_latest.pt
epochs_done=$(grep -c '^\[Epoch' "$OUT/experiment/jtf_x4/log.txt" || true)

# evaluation of the latest saved epoch
python jtf_sisr/main.py --model model --scale 4 --save jtf_x4_test --dir_experiment "$OUT/experiment" \
    --dir_data "${DATA}" --data_test "$test_sets" --test_only --pre_train "$weights" "${hw[@]}" \
    "${size[@]}" > "$OUT/test.log" 2>&1 || { tail -n 20 "$OUT/test.log"; echo "error: test failed, log: $OUT/test.log" >&2; exit 1; }
t_end=$(date +%s)

echo "== JTF-SISR x4 ($train_set, $( [ "$SMOKE" = 1 ] && echo smoke || echo bf16 ), $epochs_done epochs started of $EPOCHS x $TEST_EVERY iterations; training $(( t_train - t_start )) s, total $(( t_end - t_start )) s)"
grep -oE '\[[A-Za-z0-9]+ x4\][[:space:]]+PSNR: [0-9.]+ SSIM: [0-9.]+' "$OUT/test.log"
echo "SUMMARY jtf_sisr: weights $weights; results above (PSNR/SSIM on Y, shave 4)"
