#!/usr/bin/env bash
# DGPNet's claim (DGConv improves a network at no inference cost) as a controlled ablation at x4: MSRResNet with
# DGConv vs plain, and DGPNet vs DGPNet built with plain convolutions ("deploy": true), two seeds per arm, the same
# data, patches, iterations, schedule and precision for every run (dgpnet/options/train/ablation_*_x4.json).
# Two runs at a time, one thread each; re-running the script resumes unfinished runs (--auto_resume) and skips
# finished ones. Then: python -m dgpnet.ablation --dir_experiment "$EXP"
#   EXP=experiments/dgpnet_ablation ITERS=2000 bash scripts/dgpnet_ablation.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EXP=${EXP:-experiments/dgpnet_ablation}
ITERS=${ITERS:-2000}
run() {   # option file, run name, seed, extra --force_opt items...
    local opt=$1 name=$2 seed=$3; shift 3
    local root="$EXP/$name"
    if [ -f "$root/models/net_g_$ITERS.pth" ]; then echo "done: $name"; return; fi
    OMP_NUM_THREADS=1 python dgpnet/train.py -opt "$opt" --auto_resume --force_opt "name=$name" \
        "path:experiments_root=$root" "manual_seed=$seed" "train:total_iter=$ITERS" \
        "train:scheduler:milestones=[$(( ITERS * 3 / 4 ))]" "$@" > "$EXP/$name.out" 2>&1
}
arm() {   # option file, arm name, extra --force_opt items...
    local opt=$1 name=$2; shift 2
    for seed in 1 2; do run "$opt" "${name}_s${seed}" "$seed" "$@" & done
    wait
}
mkdir -p "$EXP"
M=dgpnet/options/train/ablation_MSRResNet_x4.json
D=dgpnet/options/train/ablation_DGPNet_x4.json
arm "$M" msrresnet_plain network_g:dgconv=false
arm "$M" msrresnet_dgconv
arm "$D" dgpnet_plain network_g:deploy=true
arm "$D" dgpnet_dgconv
