#!/usr/bin/env bash
# FASRGAN x4 on one CUDA GPU in a 10-minute budget: the paper's two stages from the shipped option files,
# the PSNR stage (train_RRDB_PSNR.json, at most PSNR_SECONDS = 220 s) then the FASRGAN GAN stage
# (train_FASRGAN.json, G from the PSNR stage, at most GAN_SECONDS = 280 s), then fasrgan/test.py on Set5
# and Set14 (bundled). Training data: T91 + BSD200 HR from ../shared/datasets (DATA=<folder>), LR made
# with common's MATLAB bicubic; bf16 autocast, batch 16, HR patch 128 as the shipped files.
# Perceptual loss: train.feature_weight 0 and path.vgg19 null (the package's no-VGG path: the ImageNet
# VGG19 file is not available), so the GAN stage is pixel + fine-grained attention GAN terms only.
# Iterations: PSNR_ITERS (default 4000) and GAN_ITERS (default 3000) are estimates (no GPU measured yet);
# each stage also stops at its time limit (SIGTERM: the package saves the iteration it reached).
# Option files are written to OUT_DIR/options from the shipped ones.
#   bash scripts/gpu_fasrgan.sh [OUT_DIR]                 # default OUT_DIR gpu_runs/fasrgan
#   SMOKE=1 bash scripts/gpu_fasrgan.sh OUT               # CPU, fp32, tiny network and data (~1 min)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/gpu_lib.sh
gpu_start gpu_runs/fasrgan "${1:-}"

if [ "$SMOKE" = 1 ]; then
    PSNR_ITERS=${PSNR_ITERS:-2}; GAN_ITERS=${GAN_ITERS:-2}; PSNR_SECONDS=${PSNR_SECONDS:-120}; GAN_SECONDS=${GAN_SECONDS:-120}
    common=(precision='"fp32"' gpu_ids=null datasets.train.n_workers=0 datasets.train.batch_size=2
            datasets.train.HR_size=32 network_G.nf=8 network_G.nb=1 network_G.gc=4 logger.print_freq=1)
    gan_extra=(network_D.nf=8)
    network_test=(network_G.nf=8 network_G.nb=1 network_G.gc=4 precision='"fp32"' gpu_ids=null)
    label=smoke
else
    python scripts/gpu_prep.py hr_folder "$OUT/train_HR" "$DATA/T91/HR" "$DATA/BSD200/HR" --min_size 128
    PSNR_ITERS=${PSNR_ITERS:-4000}; GAN_ITERS=${GAN_ITERS:-3000}; PSNR_SECONDS=${PSNR_SECONDS:-220}; GAN_SECONDS=${GAN_SECONDS:-280}
    common=(precision='"bf16"' gpu_ids='[0]' datasets.train.n_workers=8)
    gan_extra=()
    network_test=(precision='"bf16"' gpu_ids='[0]')
    label="T91+BSD200, bf16"
fi
exp=$OUT/experiments
data=(datasets.train.dataroot_HR="\"$OUT/train_HR\"" datasets.train.dataroot_LR=null
      datasets.val.dataroot_HR='"benchmarks/data/Set5/HR"' datasets.val.dataroot_LR=null
      datasets.val.name='"Set5"' path.experiments_root="\"$exp\"")

run_stage() { timed_train "$1" "$2" python fasrgan/train.py -opt "$3"; }   # log name, seconds, option file
newest_g() { newest_checkpoint "$exp/$1/models" net_G_latest.pth net_G_; }   # generator of experiment $1

# stage 1: PSNR-oriented RRDBNet
python scripts/gpu_prep.py options fasrgan/options/train/train_RRDB_PSNR.json "$OUT/options/train_RRDB_PSNR.json" \
    name='"RRDB_PSNR_x4"' "${common[@]}" "${data[@]}" train.niter="$PSNR_ITERS" train.val_freq="$PSNR_ITERS" \
    logger.save_checkpoint_freq=$(( PSNR_ITERS / 8 > 0 ? PSNR_ITERS / 8 : 1 ))
run_stage train_psnr "$PSNR_SECONDS" "$OUT/options/train_RRDB_PSNR.json"
g_psnr=$(newest_g RRDB_PSNR_x4)
[ -n "$g_psnr" ] || { echo "error: the PSNR stage saved no generator (log: $OUT/train_psnr.log)" >&2; exit 1; }
t_psnr=$(date +%s)

# stage 2: FASRGAN from the PSNR generator, no perceptual (VGG19) term
python scripts/gpu_prep.py options fasrgan/options/train/train_FASRGAN.json "$OUT/options/train_FASRGAN.json" \
    name='"FASRGAN_x4"' "${common[@]}" "${gan_extra[@]}" "${data[@]}" path.pretrain_model_G="\"$g_psnr\"" \
    path.vgg19=null train.feature_weight=0 train.niter="$GAN_ITERS" train.val_freq="$GAN_ITERS" \
    logger.save_checkpoint_freq=$(( GAN_ITERS / 6 > 0 ? GAN_ITERS / 6 : 1 ))
run_stage train_gan "$GAN_SECONDS" "$OUT/options/train_FASRGAN.json"
g_gan=$(newest_g FASRGAN_x4)
[ -n "$g_gan" ] || { echo "error: the GAN stage saved no generator (log: $OUT/train_gan.log)" >&2; exit 1; }
t_gan=$(date +%s)

# test: Set5 and Set14 (bundled), PSNR/SSIM on Y (shave 4) and NIQE
python scripts/gpu_prep.py options fasrgan/options/test/test_FASRGAN.json "$OUT/options/test_FASRGAN.json" \
    "${network_test[@]}" path.results_root="\"$OUT/results\"" path.pretrain_model_G="\"$g_gan\""
if [ "$SMOKE" = 1 ]; then   # one small set is enough to run the code path
    python - "$OUT/options/test_FASRGAN.json" <<'EOF'
import json, sys
opt = json.load(open(sys.argv[1]))
del opt["datasets"]["test_2"]
json.dump(opt, open(sys.argv[1], "w"), indent=2)
EOF
fi
python fasrgan/test.py -opt "$OUT/options/test_FASRGAN.json" > "$OUT/test.log" 2>&1 \
    || { tail -n 20 "$OUT/test.log"; echo "error: test failed, log: $OUT/test.log" >&2; exit 1; }
t_end=$(date +%s)

echo "== FASRGAN x4 ($label, no VGG19 term): PSNR stage $(( t_psnr - t_start )) s -> $g_psnr; GAN stage $(( t_gan - t_psnr )) s -> $g_gan; total $(( t_end - t_start )) s"
grep -A1 "Average results for" "$OUT/test.log" | grep -v '^--$' | sed 's/^.*Average/Average/'
echo "SUMMARY fasrgan: generator $g_gan; results above (PSNR/SSIM on Y, shave 4)"
