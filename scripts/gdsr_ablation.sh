#!/usr/bin/env bash
# GDSR's ablation at the reduced size (gdsr/README.md, "The claim at a reduced scale"). Stage 1
# (reduced/train_GDSR_pretrain.json, L1 on the three outputs, guidance and mask on) is trained once; stage 2
# (reduced/train_GDSR.json, RaGAN, perceptual weight 0) starts from stage 1's final generator in three arms,
# each with every seed of SEEDS, the same data, iterations, schedule and seeds:
#   full      GDSR
#   noguide   network_G.guidance=false (zeros instead of the low-frequency guide in the high-frequency branch)
#   hfonly    network_G.guidance=false and network_G.mask=false (the high-frequency branch alone)
# Folders: $EXP/pretrain and $EXP/<arm>_s<seed> (models/<iter>_G.pth, training_states/, log/), each run's output
# in $EXP/<run>.out. Stage-2 runs go two at a time, one thread each. A rerun resumes unfinished runs
# (--auto_resume) and skips finished ones (models/<niter>_G.pth present). Then:
#   python -m gdsr.ablation --dir_experiment "$EXP"
#
#   EXP=experiments/gdsr_ablation PRE_ITERS=6000 ITERS=600 SEEDS="1 2" bash scripts/gdsr_ablation.sh
#   PRECISION=fp32 bash scripts/gdsr_ablation.sh        # on a CPU without native bf16 (the files say bf16)
#   SMOKE=1 EXP=<folder> bash scripts/gdsr_ablation.sh
# SMOKE=1: a few iterations, a tiny network, 32-pixel patches, batch 2, Set5 (benchmarks/data) as training and
# validation data, bf16 only where the CPU has it natively (else fp32); checks the plumbing, not the claim.
set -euo pipefail
cd "$(dirname "$0")/.."
EXP=${EXP:-experiments/gdsr_ablation}
SEEDS=${SEEDS:-1 2}
SMOKE=${SMOKE:-0}
STAGE1=gdsr/options/train/reduced/train_GDSR_pretrain.json
STAGE2=gdsr/options/train/reduced/train_GDSR.json

if [ "$SMOKE" = 1 ]; then
    PRE_ITERS=${PRE_ITERS:-4}
    ITERS=${ITERS:-2}
    native=$(python -c "from common.precision import native_bf16; print(int(native_bf16()))")
    if [ "$native" = 1 ]; then PRECISION=${PRECISION:-bf16}; else PRECISION=${PRECISION:-fp32}; fi
    tiny=(network_G:nf=8 network_G:gc=4 network_G:nb_e=1 network_G:nb_l_1=1 network_G:nb_l_2=1 network_G:nb_h_1=1
          network_G:nb_h_2=1 network_G:nb_m=1 network_D:nf=8 gpu_ids=null
          datasets:train:dataroot_HR=benchmarks/data/Set5/HR datasets:train:cache_LR="$EXP/lr_cache"
          datasets:train:batch_size=2 datasets:train:HR_size=32 datasets:val:name=Set5
          datasets:val:dataroot_HR=benchmarks/data/Set5/HR logger:print_freq=1)
    freq1=(train:val_freq="$PRE_ITERS" logger:save_checkpoint_freq="$PRE_ITERS")
    freq2=(train:val_freq="$ITERS" logger:save_checkpoint_freq="$ITERS")
else
    PRE_ITERS=${PRE_ITERS:-6000}
    ITERS=${ITERS:-600}
    tiny=() freq1=() freq2=()
fi
common=("${tiny[@]}")
if [ -n "${PRECISION:-}" ]; then common+=("precision=$PRECISION"); fi

train() {   # run name, option file, iterations, more --force_opt items...
    local name=$1 opt=$2 iters=$3
    shift 3
    local root="$EXP/$name"
    if [ -f "$root/models/${iters}_G.pth" ]; then echo "done: $name"; return 0; fi
    echo "training: $name ($iters iterations, log $EXP/$name.out)"
    local rc=0
    OMP_NUM_THREADS=1 python gdsr/train.py -opt "$opt" --auto_resume --force_opt "name=$name" \
        "path:experiments_root=$root" "train:niter=$iters" "${common[@]}" "$@" > "$EXP/$name.out" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
        tail -n 5 "$EXP/$name.out" >&2
        echo "error: $name failed (exit $rc), log: $EXP/$name.out" >&2
        return 1
    fi
}

stage2() {  # run name <arm>_s<seed>
    local name=$1 arm=${1%_s*} seed=${1##*_s} switches=()
    case $arm in
        full) switches=() ;;
        noguide) switches=(network_G:guidance=false) ;;
        hfonly) switches=(network_G:guidance=false network_G:mask=false) ;;
    esac
    train "$name" "$STAGE2" "$ITERS" "train:manual_seed=$seed" "path:pretrain_model_G=$G1" "${switches[@]}" \
        "${freq2[@]}"
}

mkdir -p "$EXP"

# stage 1: one run, its learning rate halved at 3/4 of the iterations
train pretrain "$STAGE1" "$PRE_ITERS" "train:lr_steps=[$(( PRE_ITERS * 3 / 4 ))]" "${freq1[@]}"
G1="$EXP/pretrain/models/${PRE_ITERS}_G.pth"

# stage 2: every arm and seed from the same stage-1 generator, two runs at a time
runs=()
for arm in full noguide hfonly; do
    for seed in $SEEDS; do runs+=("${arm}_s${seed}"); done
done
failed=0
for (( i = 0; i < ${#runs[@]}; i += 2 )); do
    pids=()
    for name in "${runs[@]:i:2}"; do
        stage2 "$name" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
done
if [ "$failed" = 1 ]; then echo "error: some stage-2 runs failed (logs: $EXP/*.out)" >&2; exit 1; fi
echo "all runs done in $EXP; next: python -m gdsr.ablation --dir_experiment $EXP"
