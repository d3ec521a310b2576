#!/usr/bin/env bash
# FASRGAN's discriminator claim as a controlled ablation at x4 and the reduced size (fasrgan/options/train/reduced/):
# one PSNR-stage RRDBNet, then GAN stages from it with ESRGAN's one-score VGG D (esrgan) and FASRGAN's U-Net
# attention D (fasrgan); Fs-SRGAN (fssrgan) from its own E + G PSNR stage. Every GAN run has the same data,
# iterations, schedule and precision; seeds by train.manual_seed. Perceptual weight 0 everywhere (no VGG19 file).
#   a) PSNR stages $EXP/rrdb_psnr and $EXP/fs_rrdb_psnr, in parallel (PSNR_ITERS, lr halved at 3/4)
#   b) GAN runs $EXP/<arm>_s<seed> for each seed of SEEDS (ITERS); at most two runs at a time, each GAN run
#      starting as soon as its PSNR stage is done
# One thread per run; output of each run in $EXP/<run>.out. Re-running the script resumes unfinished runs
# (--auto_resume) and skips finished ones. Then: python -m fasrgan.ablation --dir_experiment "$EXP"
#   EXP=experiments/fasrgan_ablation ITERS=600 PSNR_ITERS=6000 SEEDS="1 2" bash scripts/fasrgan_ablation.sh
#   PRECISION=fp32 ...       # instead of the option files' bf16 (a CPU without native bf16)
#   SMOKE=1 EXP=<folder> ... # CPU, fp32, tiny networks, 32-pixel patches of the bundled Set5, 2 iterations
set -euo pipefail
cd "$(dirname "$0")/.."
SMOKE=${SMOKE:-0}
if [ "$SMOKE" = 1 ]; then
    export CUDA_VISIBLE_DEVICES=""
    ITERS=${ITERS:-2}
    PSNR_ITERS=${PSNR_ITERS:-2}
fi
EXP=${EXP:-experiments/fasrgan_ablation}
ITERS=${ITERS:-600}
PSNR_ITERS=${PSNR_ITERS:-6000}
SEEDS=${SEEDS:-"1 2"}
JOBS=2
OPTS=fasrgan/options/train/reduced

# --force_opt items added to every run (all), to E + G files (fs) and to GAN runs (gan)
all=() fs=() gan=()
if [ "$SMOKE" = 1 ]; then
    set5='"benchmarks/data/Set5/HR"'
    all+=(precision='"fp32"' datasets:train:dataroot_HR="$set5" datasets:train:batch_size=2
          datasets:train:HR_size=32 datasets:val:name='"Set5"' datasets:val:dataroot_HR="$set5"
          network_G:nf=8 network_G:nb=1 network_G:gc=4 logger:print_freq=1)
    fs+=(network_E:nf=8 network_E:gc=4 network_G:in_nc=8)
    gan+=(network_D:nf=4 network_D:n_down=4)
fi
if [ -n "${PRECISION:-}" ]; then all+=(precision="\"$PRECISION\""); fi

# finished NAME NITER: run NAME has its network and training state of iteration NITER
finished() { [ -f "$EXP/$1/models/net_G_$2.pth" ] && [ -f "$EXP/$1/training_states/$2.state" ]; }

# run NAME OPTION_FILE NITER [--force_opt items...]: train $EXP/NAME to iteration NITER, unless done
run() {
    local name=$1 opt=$2 niter=$3
    shift 3
    local root=$EXP/$name out=$EXP/$name.out
    if finished "$name" "$niter"; then
        echo "done: $name"
        return 0
    fi
    local resume=(--auto_resume)
    if [ -d "$root" ] && ! compgen -G "$root/training_states/*.state" > /dev/null; then
        resume=()   # started but saved no state: train.py renames the folder <name>_archived_<time>, starts afresh
    fi
    local cmd=(python fasrgan/train.py -opt "$opt" "${resume[@]}" --force_opt name="\"$name\""
               path:experiments_root="\"$EXP\"" train:niter="$niter" "${all[@]}" "$@")
    echo "start: $name (log $out)"
    if ! { echo "+ ${cmd[*]}"; OMP_NUM_THREADS=1 "${cmd[@]}"; } > "$out" 2>&1; then
        tail -n 5 "$out" >&2
        echo "error: $name failed, log: $out" >&2
        return 1
    fi
    echo "finished: $name"
}

running=0 failed=0
launch() {   # run "$@" in the background; return once fewer than JOBS runs are in flight
    run "$@" &
    running=$((running + 1))
    while [ "$running" -ge "$JOBS" ]; do reap; done
}
reap() {   # wait for one run in flight to end; failed=1 when it failed
    wait -n || failed=1
    running=$((running - 1))
}

mkdir -p "$EXP"

# a) the two PSNR stages
steps=train:lr_steps="[$(( PSNR_ITERS * 3 / 4 ))]"
launch rrdb_psnr "$OPTS/train_RRDB_PSNR.json" "$PSNR_ITERS" "$steps"
launch fs_rrdb_psnr "$OPTS/train_Fs_RRDB_PSNR.json" "$PSNR_ITERS" "$steps" "${fs[@]}"

# b) the GAN arms; each starts as soon as its PSNR stage is done and a slot is free
g_psnr=$EXP/rrdb_psnr/models/net_G_$PSNR_ITERS.pth
fs_psnr=$EXP/fs_rrdb_psnr/models
for arm in esrgan fasrgan fssrgan; do
    stage=rrdb_psnr
    if [ "$arm" = fssrgan ]; then stage=fs_rrdb_psnr; fi
    while ! finished "$stage" "$PSNR_ITERS" && [ "$running" -gt 0 ]; do reap; done
    if ! finished "$stage" "$PSNR_ITERS"; then
        echo "error: PSNR stage $stage failed; no $arm run started" >&2
        failed=1
        continue
    fi
    for seed in $SEEDS; do
        case $arm in
            esrgan) launch "${arm}_s$seed" "$OPTS/train_ESRGAN.json" "$ITERS" train:manual_seed="$seed" "${gan[@]}" \
                        path:pretrain_model_G="\"$g_psnr\"" ;;
            fasrgan) launch "${arm}_s$seed" "$OPTS/train_FASRGAN.json" "$ITERS" train:manual_seed="$seed" "${gan[@]}" \
                        path:pretrain_model_G="\"$g_psnr\"" ;;
            fssrgan) launch "${arm}_s$seed" "$OPTS/train_FsSRGAN.json" "$ITERS" train:manual_seed="$seed" "${gan[@]}" \
                        "${fs[@]}" path:pretrain_model_G="\"$fs_psnr/net_G_$PSNR_ITERS.pth\"" \
                        path:pretrain_model_E="\"$fs_psnr/net_E_$PSNR_ITERS.pth\"" ;;
        esac
    done
done
while [ "$running" -gt 0 ]; do reap; done
if [ "$failed" = 1 ]; then echo "error: a run failed (see the logs above); re-run to resume" >&2; exit 1; fi
echo "all runs done; next: python -m fasrgan.ablation --dir_experiment $EXP"
