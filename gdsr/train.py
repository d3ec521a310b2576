"""Train GDSR: ``python gdsr/train.py -opt gdsr/options/train/train_GDSR_pretrain.json`` (stage 1),
then ``-opt gdsr/options/train/train_GDSR.json`` (stage 2).

Multi-process: ``torchrun --nproc_per_node=N gdsr/train.py -opt ... --launcher pytorch`` (DDP; gloo on
CPU, nccl on GPU; ``batch_size`` is per process). ``--auto_resume`` continues from the newest
``experiments/<name>/training_states/<iter>.state``; Ctrl-C (or SIGTERM) saves a resumable state at the end
of the current iteration. Bad input ends with one line on stderr.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from common.cli import auto_resume_hint, run_cli  # noqa: E402
from common.curves import plot_curves  # noqa: E402
from common.evaluate import evaluate_pair  # noqa: E402
from common.experiment import prepare, resume_path, timestamp  # noqa: E402
from common.interrupt import StopRequest  # noqa: E402
from common.io import CheckpointError, atomic_write, imwrite, load_checkpoint  # noqa: E402
from common.precision import PrecisionError, check, cpu_capability  # noqa: E402
from common.rng_state import seed_all  # noqa: E402
from gdsr.data import EvalDataset, TrainDataset, build_train_loader  # noqa: E402
from gdsr.models import create_model  # noqa: E402
from gdsr.models.base_model import train_device  # noqa: E402
from gdsr.utils import dist as gdist  # noqa: E402
from gdsr.utils.logger import close_logger, format_losses, get_logger  # noqa: E402
from gdsr.utils.misc import tensor2img, worker_error  # noqa: E402
from gdsr.utils.options import OptionError, dump, parse  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(prog="gdsr/train.py", description=__doc__.splitlines()[0])
    p.add_argument("-opt", required=True, help="path to the option JSON file")
    p.add_argument("--launcher", choices=["none", "pytorch"], default="none")
    p.add_argument("--auto_resume", action="store_true", help="resume from the newest training state")
    p.add_argument("--debug", action="store_true", help="name debug_<name>: print every iter, val/save every 8")
    p.add_argument("--force_opt", "--force_yml", nargs="+", default=None, metavar="KEY:SUB=VALUE",
                   help="override options, e.g. train:niter=1000 name=run2 (unknown keys are still an error)")
    p.add_argument("--local_rank", "--local-rank", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _write_text(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _load_state(path):
    state = load_checkpoint(path, key=None)
    if not isinstance(state, dict) or "iter" not in state:
        raise CheckpointError(f"{path}: not a gdsr training state")
    return state


def validate(model, val_sets, opt, current_iter, history, logger):
    """PSNR/SSIM (Y, shave = scale) of SR_fused on each val set; images to visualization/."""
    scale = opt["scale"]
    for ds in val_sets:
        psnrs, ssims = [], []
        for i in tqdm(range(len(ds)), desc=f"val {ds.name}", leave=False, disable=not sys.stderr.isatty()):
            item = ds[i]
            sr = tensor2img(model.test(item["LR"])["fused"])
            res = evaluate_pair(sr, item["HR_img"], scale, names=(item["name"], item["path"]))
            psnrs.append(res["psnr"])
            ssims.append(res["ssim"])
            folder = os.path.join(opt["path"]["visualization"], item["name"])
            imwrite(os.path.join(folder, f"{item['name']}_{current_iter}.png"), sr)
        psnr, ssim = float(np.mean(psnrs)), float(np.mean(ssims))
        rec = history["val"].setdefault(ds.name, {"psnr": [], "ssim": []})
        rec["psnr"].append((current_iter, psnr))
        rec["ssim"].append((current_iter, ssim))
        best = history["best"].get(ds.name)
        if best is None or psnr > best[0]:
            best = history["best"][ds.name] = (psnr, current_iter)
        logger.info(f"Validation {ds.name} (Y, shave {scale})\n\t # psnr: {psnr:.4f}\tBest: {best[0]:.4f} @ "
                    f"{best[1]} iter\n\t # ssim: {ssim:.4f}")


def write_plots(opt, history):
    log_dir = opt["path"]["log"]
    losses = {}
    for it, terms in history["loss"]:
        for k, v in terms.items():
            if k.startswith("l_"):
                losses.setdefault(k, []).append((it, v))
    if losses:
        plot_curves(os.path.join(log_dir, "loss.png"), losses, f"{opt['name']}: training losses", "loss", logy=True)
    if history["val"]:
        plot_curves(os.path.join(log_dir, "val_psnr.png"),
                    {n: r["psnr"] for n, r in history["val"].items()}, f"{opt['name']}: validation",
                    "PSNR (dB, Y)")
        plot_curves(os.path.join(log_dir, "val_ssim.png"),
                    {n: r["ssim"] for n, r in history["val"].items()}, f"{opt['name']}: validation", "SSIM (Y)")


def save_checkpoint_set(model, opt, it, history, seed):
    """Networks first, then the training state that names them (the manifest), then the plots: a crash
    at any point leaves the newest state consistent with its networks."""
    model.save(it)
    model.save_training_state(it, {"history": history, "seed": seed})
    write_plots(opt, history)


def check_inputs(train_set, val_sets):
    """Read the first image of every set, so a corrupt file stops the run before any folder is touched."""
    for ds in [train_set] + list(val_sets):
        ds.load(0)


def train(args):
    opt = parse(args.opt, is_train=True, debug=args.debug, overrides=args.force_opt)
    try:
        gdist.init_dist(args.launcher)
    except RuntimeError as exc:
        raise OptionError(str(exc)) from None
    rank, world = gdist.get_dist_info()
    check(opt["precision"], train_device(opt))    # PrecisionError before any data, folder or network
    paths = opt["path"]
    root = paths["experiments_root"]

    state_path = resume_path(root, paths["resume_state"], args.auto_resume)
    state = _load_state(state_path) if state_path else None
    if state is not None:   # the state's own networks are loaded instead of the pretrained ones
        paths["pretrain_model_G"] = paths["pretrain_model_D"] = None
    seed = state["seed"] if state is not None and "seed" in state else opt["train"]["manual_seed"]
    if seed is None:
        seed = gdist.broadcast_object(int(np.random.SeedSequence().entropy % 10000))
    seed_all(seed + rank)
    # data, VGG and pretrained weights are checked before anything is written or renamed
    train_set = TrainDataset(opt["datasets"]["train"], opt["scale"])
    val_sets = [EvalDataset(d, opt["scale"], f"datasets.{k}") for k, d in opt["datasets"].items() if k != "train"]
    check_inputs(train_set, val_sets)
    model = create_model(opt)

    archived = None
    if rank == 0:
        archived = prepare(root, resume=state is not None)
    gdist.barrier()
    ts = timestamp()
    logger = get_logger(os.path.join(paths["log"], f"train_{opt['name']}_{ts}.log"))
    if archived:
        logger.info(f"Path already exists. Renamed it to {archived}")
    if rank == 0:
        atomic_write(os.path.join(paths["log"], f"options_{ts}.json"), lambda tmp: _write_text(tmp, dump(opt)))
    logger.info(f"gdsr train: {opt['opt_path']} (model {opt['model']}, x{opt['scale']}, {world} process(es), "
                f"precision {opt['precision']}, CPU {cpu_capability()})")
    logger.info(f"Random seed: {seed}")
    niter = opt["train"]["niter"]
    bs = opt["datasets"]["train"]["batch_size"]
    logger.info(f"Training set: {len(train_set)} images, batch {bs} per process, {niter:,} iterations "
                f"({math.ceil(len(train_set) / (bs * world))} iterations per pass)")

    start_iter, history = 0, {"loss": [], "val": {}, "best": {}}
    if state is not None:
        model.resume_training(state, state_path)
        start_iter = state["iter"]
        history = state.get("history", history)
        logger.info(f"Resuming training from iter {start_iter} ({state_path})")
    elif args.auto_resume:
        logger.info(f"--auto_resume: no experiment {root} yet; starting from iteration 0")
    loader, sampler = build_train_loader(train_set, opt["datasets"]["train"], seed, start_iter)
    print_freq, save_freq = opt["logger"]["print_freq"], opt["logger"]["save_checkpoint_freq"]
    val_freq = opt["train"]["val_freq"]

    data_iter = iter(loader)
    # the bar is for a terminal; logs and captured stderr get the loss lines only
    pbar = tqdm(total=niter, initial=start_iter, unit="it", disable=rank != 0 or not sys.stderr.isatty(),
                dynamic_ncols=True)
    current_iter = start_iter
    try:
        with StopRequest() as stop:
            # time/iter: waiting for the loader + the model step, per iteration (validation and saving excluded)
            window, t_data, t_iter = {}, 0.0, 0.0
            for current_iter in range(start_iter + 1, niter + 1):
                t0 = time.perf_counter()
                try:
                    batch = next(data_iter)
                except (ValueError, OSError) as exc:
                    raise worker_error(exc) from None
                t1 = time.perf_counter()
                model.feed_data(batch)
                model.optimize_parameters(current_iter)
                model.update_learning_rate()
                t_data, t_iter = t_data + t1 - t0, t_iter + time.perf_counter() - t0
                log = model.get_current_log()
                for k, v in log.items():
                    window.setdefault(k, []).append(v)
                pbar.update(1)
                if current_iter % print_freq == 0 or current_iter == niter:
                    mean = {k: float(np.mean(v)) for k, v in window.items()}
                    bad = [k for k, v in mean.items() if not math.isfinite(v)]
                    history["loss"].append((current_iter, mean))
                    n = len(window["l_d_real" if "l_d_real" in window else "l_g_pix"])
                    logger.info(format_losses(sampler.epoch_of(current_iter), current_iter,
                                              model.current_learning_rates(), mean)
                                + f" time/iter: {t_iter / n:.3f}s (data {t_data / n:.3f}s)")
                    if bad:
                        logger.warning(f"non-finite loss at iter {current_iter}: {', '.join(bad)}")
                    pbar.set_postfix({k: f"{v:.3g}" for k, v in mean.items() if k.startswith("l_g_pix")})
                    window, t_data, t_iter = {}, 0.0, 0.0
                if val_sets and (current_iter % val_freq == 0 or current_iter == niter):
                    if rank == 0:
                        validate(model, val_sets, opt, current_iter, history, logger)
                    gdist.barrier()
                saved = current_iter % save_freq == 0 or current_iter == niter
                if saved:
                    if rank == 0:
                        logger.info(f"Saving models and training state at iter {current_iter}")
                        save_checkpoint_set(model, opt, current_iter, history, seed)
                    gdist.barrier()
                if stop.should_stop(world):
                    if rank == 0 and not saved:
                        logger.info(f"Interrupted: saving models and training state at iter {current_iter}")
                        save_checkpoint_set(model, opt, current_iter, history, seed)
                    gdist.barrier()
                    raise KeyboardInterrupt
    finally:
        pbar.close()   # so that an error message starts on its own line
    if rank == 0:
        model.save("latest")
        write_plots(opt, history)
        logger.info(f"End of training at iter {current_iter}; models in {paths['models']}")
    close_logger()
    return 0


def _main(argv):
    args = parse_args(argv)
    try:
        return train(args)
    finally:
        close_logger()
        gdist.cleanup()


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    return run_cli(_main, args, prog="gdsr/train.py", resume_hint=auto_resume_hint("gdsr/train.py", args))


if __name__ == "__main__":
    sys.exit(main())
