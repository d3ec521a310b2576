#!/usr/bin/env bash
# DGPNet x4 on one CUDA GPU in a 10-minute budget: dgpnet/train.py with the shipped bicubic option file
# (train_DGPNet_DIV2K_bicubic_x4.json: BicubicImageDataset, an HR folder whose LR is made on the fly with
# common's MATLAB bicubic; batch 16, HR patch 192, bf16 autocast) on T91 + BSD200 HR from ../shared/datasets
# (DATA=<folder>; images of at least 192 pixels a side, linked into OUT_DIR/train_HR) for at most
# TRAIN_SECONDS (default 480 s), then dgpnet/fuse.py (every DGConv folded into one conv) and dgpnet/test.py
# of the fused network on Set5 (bundled); prints the Set5 PSNR/SSIM.
# Iterations: ITERS (default 15000) is an estimate (no GPU measured yet); the run also stops at
# TRAIN_SECONDS (SIGTERM: the package saves the iteration it reached). Option files are written to
# OUT_DIR/options from the shipped ones.
#   bash scripts/gpu_dgpnet.sh [OUT_DIR]                 # default OUT_DIR gpu_runs/dgpnet
#   SMOKE=1 bash scripts/gpu_dgpnet.sh OUT               # CPU, fp32, tiny network and data (~1 min)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/gpu_lib.sh
gpu_start gpu_runs/dgpnet "${1:-}"

if [ "$SMOKE" = 1 ]; then
    ITERS=${ITERS:-4}; TRAIN_SECONDS=${TRAIN_SECONDS:-120}
    net=(network_g.num_feat=8 network_g.num_block=1)
    hw=(num_gpu=0 precision='"fp32"')
    train=(datasets.train.gt_size=32 datasets.train.batch_size_per_gpu=2 datasets.train.num_worker_per_gpu=0
           logger.print_freq=1)
    label=smoke
else
    python scripts/gpu_prep.py hr_folder "$OUT/train_HR" "$DATA/T91/HR" "$DATA/BSD200/HR" --min_size 192
    ITERS=${ITERS:-15000}; TRAIN_SECONDS=${TRAIN_SECONDS:-480}
    net=()
    hw=(num_gpu=1 precision='"bf16"')
    # decoded HR and its LR kept in each loader worker; 100 passes over the folder per epoch (workers live an epoch)
    train=(datasets.train.num_worker_per_gpu=8 datasets.train.cache=true datasets.train.dataset_enlarge_ratio=100
           logger.print_freq=500)
    label="T91+BSD200, bf16"
fi
exp=$OUT/experiments/DGPNet_x4
set5='{"name": "Set5", "type": "BicubicImageDataset", "dataroot_gt": "benchmarks/data/Set5/HR"}'

python scripts/gpu_prep.py options dgpnet/options/train/train_DGPNet_DIV2K_bicubic_x4.json "$OUT/options/train_DGPNet_x4.json" \
    name='"DGPNet_x4"' "${hw[@]}" "${net[@]}" "${train[@]}" datasets.train.dataroot_gt="\"$OUT/train_HR\"" \
    datasets.val="$set5" path.experiments_root="\"$exp\"" train.total_iter="$ITERS" \
    train.scheduler.milestones="[$(( ITERS * 2 / 3 > 0 ? ITERS * 2 / 3 : 1 ))]" val.val_freq="$ITERS" \
    logger.save_checkpoint_freq=$(( ITERS / 8 > 0 ? ITERS / 8 : 1 ))
timed_train train "$TRAIN_SECONDS" python dgpnet/train.py -opt "$OUT/options/train_DGPNet_x4.json"
ckpt=$(newest_checkpoint "$exp/models" net_g_latest.pth net_g_)
[ -n "$ckpt" ] || { echo "error: training saved no network (log: $OUT/train.log)" >&2; exit 1; }
t_train=$(date +%s)

# fuse (the deploy network), then test it on Set5
python dgpnet/fuse.py --opt "$OUT/options/train_DGPNet_x4.json" --ckpt "$ckpt" --out "$OUT/dgpnet_x4_fused.pth" \
    > "$OUT/fuse.log" 2>&1 || { cat "$OUT/fuse.log"; echo "error: fuse failed" >&2; exit 1; }
python scripts/gpu_prep.py options dgpnet/options/test/test_DGPNet_x4.json "$OUT/options/test_DGPNet_x4.json" \
    name='"DGPNet_x4_fused"' "${hw[@]}" "${net[@]}" datasets="{\"test_1\": $set5}" \
    path.pretrain_network_g="\"$OUT/dgpnet_x4_fused.pth\"" path.results_root="\"$OUT/results\"" val.save_img=false
python dgpnet/test.py -opt "$OUT/options/test_DGPNet_x4.json" > "$OUT/test.log" 2>&1 \
    || { tail -n 20 "$OUT/test.log"; echo "error: test failed, log: $OUT/test.log" >&2; exit 1; }
t_end=$(date +%s)

echo "== DGPNet x4 ($label): training $(( t_train - t_start )) s -> $ckpt; fused -> $OUT/dgpnet_x4_fused.pth; total $(( t_end - t_start )) s"
tail -n 1 "$OUT/fuse.log"
grep -A2 "Validation Set5" "$OUT/test.log" | sed 's/^.*Validation/Validation/'
echo "SUMMARY dgpnet: fused weights $OUT/dgpnet_x4_fused.pth; Set5 PSNR/SSIM above (Y, shave 4)"
