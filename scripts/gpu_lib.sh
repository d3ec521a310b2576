# Shell functions shared by scripts/gpu_*.sh (sourced, not run). They expect $OUT (the output folder).

# timed_train LOG SECONDS COMMAND...: run COMMAND under `timeout -s TERM` (every training package saves its
# state and exits cleanly on SIGTERM), its output in $OUT/LOG.log; a stop by the time limit (124) or an
# interrupt (130) is fine, any other failure prints the log's tail and ends the script.
timed_train() {
    local log=$1 seconds=$2 rc=0
    shift 2
    timeout -s TERM -k 120 "$seconds" "$@" > "$OUT/$log.log" 2>&1 || rc=$?
    if [ "$rc" != 0 ] && [ "$rc" != 124 ] && [ "$rc" != 130 ]; then
        tail -n 20 "$OUT/$log.log"; echo "error: $log failed (exit $rc), log: $OUT/$log.log" >&2; exit 1
    fi
}

# newest_checkpoint FOLDER LATEST PREFIX: FOLDER/LATEST when it exists, else the FOLDER/PREFIX<iter>*.pth of
# the highest iteration; nothing when there is none.
newest_checkpoint() {
    if [ -f "$1/$2" ]; then echo "$1/$2"; return; fi
    ls "$1/$3"[0-9]*.pth 2>/dev/null | sort -V | tail -n 1
}

# gpu_start DEFAULT_OUT [OUT_DIR]: the BasicSR-style scripts' start: OUT (OUT_DIR or DEFAULT_OUT), DATA, SMOKE,
# OUT/options made, t_start; with SMOKE=1 also the CPU only and a tiny HR training folder in OUT/train_HR
# (four 48-pixel crops of the bundled Set14).
gpu_start() {
    OUT=${2:-$1}
    DATA=${DATA:-../shared/datasets}
    SMOKE=${SMOKE:-0}
    mkdir -p "$OUT/options"
    t_start=$(date +%s)
    if [ "$SMOKE" = 1 ]; then
        export CUDA_VISIBLE_DEVICES=""
        python scripts/gpu_prep.py hr_folder "$OUT/train_HR" benchmarks/data/Set14/HR --min_size 48 --crop 48 --limit 4
    fi
}
