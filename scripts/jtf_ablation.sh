#!/usr/bin/env bash
# JTF-SISR's claim as a controlled ablation at x4: JTF fusion vs concatenation (--fusion concat) vs the
# single-branch EDSR baseline, at the JTF_small size (32 features, 8 blocks), two seeds per arm, the same
# data (T91 + BSD200), patches, iterations, schedule and precision for every run. Two runs at a time, one
# thread each. Then: python -m jtf_sisr.ablation --dir_experiment "$EXP"
#   DATA=../shared/datasets EXP=experiment ITERS=3000 PRECISION=bf16 bash scripts/jtf_ablation.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/datasets}
EXP=${EXP:-experiment}
EPOCHS=$(( ${ITERS:-3000} / 1000 ))
PRECISION=${PRECISION:-single}
common=(--scale 4 --dir_data "$DATA" --data_train T91+BSD200 --data_test Set5+Set14+B100 --patch_size 96
        --batch_size 16 --lr 2e-4 --epochs "$EPOCHS" --decay "$(( EPOCHS * 2 / 3 ))" --test_every 1000
        --print_every 200 --precision "$PRECISION" --compile off --n_threads 0 --cpu --dir_experiment "$EXP")
arm() {   # name, extra flags...
    local name=$1; shift
    for seed in 1 2; do
        OMP_NUM_THREADS=1 python jtf_sisr/main.py "${common[@]}" "$@" --seed "$seed" --save "ablation_${name}_s${seed}" \
            > "$EXP/ablation_${name}_s${seed}.out" 2>&1 &
    done
    wait
}
mkdir -p "$EXP"
arm jtf --template JTF_small
arm concat --template JTF_small --fusion concat
arm edsr --model EDSR --n_resblocks 8 --n_feats 32
