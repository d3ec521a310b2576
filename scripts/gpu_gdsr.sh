#!/usr/bin/env bash
# GDSR x4 on one CUDA GPU in a 10-minute budget: both stages of the paper's configuration from the shipped
# option files, train_GDSR_pretrain.json (L1, at most PRE_SECONDS = 220 s) then train_GDSR.json (RaGAN,
# G from stage 1, at most GAN_SECONDS = 280 s), then gdsr/test.py on Set5 and Set14 (bundled).
# Training data: T91 + BSD200 HR from ../shared/datasets (DATA=<folder>), LR made with common's MATLAB
# bicubic; bf16 autocast; batch 28 / 32 and HR patch 128 as the shipped files.
# Perceptual loss: train.feature_weight 0 and path.vgg19 null (the ImageNet VGG19 file is not available;
# with weight 0 the package builds no VGG19), so stage 2 is pixel + RaGAN terms only.
# Iterations: PRE_ITERS (default 2000) and GAN_ITERS (default 1500) are estimates (no GPU measured yet);
# each stage also stops at its time limit (SIGTERM: the package saves the iteration it reached).
# Option files are written to OUT_DIR/options from the shipped ones.
#   bash scripts/gpu_gdsr.sh [OUT_DIR]                 # default OUT_DIR gpu_runs/gdsr
#   SMOKE=1 bash scripts/gpu_gdsr.sh OUT               # CPU, fp32, tiny network and data (~1 min)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/gpu_lib.sh
gpu_start gpu_runs/gdsr "${1:-}"

if [ "$SMOKE" = 1 ]; then
    PRE_ITERS=${PRE_ITERS:-2}; GAN_ITERS=${GAN_ITERS:-2}; PRE_SECONDS=${PRE_SECONDS:-120}; GAN_SECONDS=${GAN_SECONDS:-120}
    net=(network_G.nf=8 network_G.gc=4 network_G.nb_e=1 network_G.nb_l_1=1 network_G.nb_l_2=1 network_G.nb_h_1=1
         network_G.nb_h_2=1 network_G.nb_m=1)
    common=(precision='"fp32"' gpu_ids=null datasets.train.n_workers=0 datasets.train.batch_size=2
            datasets.train.HR_size=32 logger.print_freq=1 "${net[@]}")
    gan_extra=(network_D.nf=8)
    network_test=(precision='"fp32"' gpu_ids=null "${net[@]}")
    label=smoke
else
    python scripts/gpu_prep.py hr_folder "$OUT/train_HR" "$DATA/T91/HR" "$DATA/BSD200/HR" --min_size 128
    PRE_ITERS=${PRE_ITERS:-2000}; GAN_ITERS=${GAN_ITERS:-1500}; PRE_SECONDS=${PRE_SECONDS:-220}; GAN_SECONDS=${GAN_SECONDS:-280}
    common=(precision='"bf16"' gpu_ids='[0]' datasets.train.n_workers=8)
    gan_extra=()
    network_test=(precision='"bf16"' gpu_ids='[0]')
    label="T91+BSD200, bf16"
fi
data=(datasets.train.dataroot_HR="\"$OUT/train_HR\"" datasets.train.dataroot_LR=null
      datasets.train.cache_LR="\"$OUT/lr_cache\"" datasets.val.dataroot_HR='"benchmarks/data/Set5/HR"'
      datasets.val.dataroot_LR=null)

run_stage() { timed_train "$1" "$2" python gdsr/train.py -opt "$3"; }   # log name, seconds, option file
newest_g() {    # the generator of the last saved iteration in the models folder $1
    if [ -f "$1/latest_G.pth" ]; then echo "$1/latest_G.pth"; return; fi
    ls "$1"/[0-9]*_G.pth 2>/dev/null | sort -V | tail -n 1
}

# stage 1: L1 pre-training of the dual network
python scripts/gpu_prep.py options gdsr/options/train/train_GDSR_pretrain.json "$OUT/options/train_GDSR_pretrain.json" \
    name='"GDSR_pretrain_x4"' path.experiments_root="\"$OUT/experiments/GDSR_pretrain_x4\"" "${common[@]}" "${data[@]}" \
    train.niter="$PRE_ITERS" train.val_freq="$PRE_ITERS" \
    logger.save_checkpoint_freq=$(( PRE_ITERS / 8 > 0 ? PRE_ITERS / 8 : 1 ))
run_stage train_pretrain "$PRE_SECONDS" "$OUT/options/train_GDSR_pretrain.json"
g_pre=$(newest_g "$OUT/experiments/GDSR_pretrain_x4/models")
[ -n "$g_pre" ] || { echo "error: stage 1 saved no generator (log: $OUT/train_pretrain.log)" >&2; exit 1; }
t_pre=$(date +%s)

# stage 2: RaGAN from stage 1, no perceptual (VGG19) term
python scripts/gpu_prep.py options gdsr/options/train/train_GDSR.json "$OUT/options/train_GDSR.json" \
    name='"GDSR_x4"' path.experiments_root="\"$OUT/experiments/GDSR_x4\"" "${common[@]}" "${gan_extra[@]}" "${data[@]}" \
    path.pretrain_model_G="\"$g_pre\"" path.vgg19=null train.feature_weight=0 \
    train.niter="$GAN_ITERS" train.val_freq="$GAN_ITERS" \
    logger.save_checkpoint_freq=$(( GAN_ITERS / 6 > 0 ? GAN_ITERS / 6 : 1 ))
run_stage train_gan "$GAN_SECONDS" "$OUT/options/train_GDSR.json"
g_gan=$(newest_g "$OUT/experiments/GDSR_x4/models")
[ -n "$g_gan" ] || { echo "error: stage 2 saved no generator (log: $OUT/train_gan.log)" >&2; exit 1; }
t_gan=$(date +%s)

# test: Set5 and Set14 (bundled), PSNR/SSIM on Y (shave 4) and NIQE
python scripts/gpu_prep.py options gdsr/options/test/test_GDSR.json "$OUT/options/test_GDSR.json" \
    "${network_test[@]}" path.results_root="\"$OUT/results\"" path.pretrain_model_G="\"$g_gan\""
python gdsr/test.py -opt "$OUT/options/test_GDSR.json" > "$OUT/test.log" 2>&1 \
    || { tail -n 20 "$OUT/test.log"; echo "error: test failed, log: $OUT/test.log" >&2; exit 1; }
t_end=$(date +%s)

echo "== GDSR x4 ($label, no VGG19 term): stage 1 $(( t_pre - t_start )) s -> $g_pre; stage 2 $(( t_gan - t_pre )) s -> $g_gan; total $(( t_end - t_start )) s"
grep -A1 -- "----Average" "$OUT/test.log" | grep -v '^--$' | sed 's/^.*----Average/Average/'
echo "SUMMARY gdsr: generator $g_gan; results above (PSNR/SSIM on Y, shave 4)"
