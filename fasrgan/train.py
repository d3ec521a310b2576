"""Train FASRGAN / Fs-SRGAN / the PSNR stage: python fasrgan/train.py -opt fasrgan/options/train/<x>.json

``--auto_resume`` continues from the newest ``experiments/<name>/training_states/<iter>.state``; Ctrl-C
(or SIGTERM) saves a resumable state at the end of the current iteration. Bad input ends in one line.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402
import math  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

from common.cli import DataError, auto_resume_hint, run_cli  # noqa: E402
from common.experiment import prepare, resume_path, timestamp  # noqa: E402
from common.interrupt import StopRequest  # noqa: E402
from common.io import CheckpointError, atomic_write, imwrite, load_checkpoint  # noqa: E402
from common.metrics import calculate_psnr, calculate_ssim  # noqa: E402
from common.precision import check as check_precision, cpu_capability  # noqa: E402
from common.rng_state import seed_all  # noqa: E402
from fasrgan.data import PairedDataset, build_dataloader, tensor2img  # noqa: E402
from fasrgan.models import create_model  # noqa: E402
from fasrgan.utils.logger import append_jsonl, close_logger, get_logger, plot_log, truncate_jsonl  # noqa: E402
from fasrgan.utils.misc import init_dist, pick_device  # noqa: E402
from fasrgan.utils.options import OptionError, parse  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-opt", required=True, help="path to the option JSON file")
    p.add_argument("--launcher", choices=["none", "pytorch"], default="none",
                   help="'pytorch' under torchrun (DDP; gloo on CPU, nccl on GPU)")
    p.add_argument("--auto_resume", action="store_true",
                   help="resume from the largest training_states/<iter>.state of this experiment")
    p.add_argument("--debug", action="store_true",
                   help="debug_ name prefix, print every iteration, validate/save every 8; full tracebacks")
    p.add_argument("--force_opt", "--force_yml", nargs="+", default=None, metavar="KEY:SUB=VALUE",
                   help="override options, e.g. train:niter=1000 name=run2 (unknown keys are still an error)")
    p.add_argument("--local_rank", "--local-rank", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _barrier(world):
    if world > 1:
        torch.distributed.barrier()


def validate(model, loader, it, dirs, opt, logger, best, lpips=None):
    scale = opt["scale"]
    psnrs, ssims, lps = [], [], []
    name = loader.dataset.name
    for data in loader:
        sr = tensor2img(model.test(data["LR"]))
        hr = tensor2img(data["HR"])
        stem = os.path.splitext(os.path.basename(data["HR_path"][0]))[0]
        imwrite(os.path.join(dirs["visualization"], stem, f"{stem}_{it}.png"), sr)
        psnrs.append(calculate_psnr(sr, hr, scale, test_y_channel=True))
        ssims.append(calculate_ssim(sr, hr, scale, test_y_channel=True))
        if lpips is not None:
            lps.append(lpips.images(sr, hr))
    psnr, ssim = sum(psnrs) / len(psnrs), sum(ssims) / len(ssims)
    record = {"iter": it, "dataset": name, "psnr": psnr, "ssim": ssim}
    if lps:
        record["lpips"] = sum(lps) / len(lps)
    if psnr > best.get("psnr", -math.inf):
        best.update(psnr=psnr, iter=it)
    logger.info(f"Validation {name} (Y channel, shave {scale})\n\t # psnr: {psnr:.4f}\tBest: "
                f"{best['psnr']:.4f} @ {best['iter']} iter\n\t # ssim: {ssim:.4f}"
                + (f"\n\t # lpips: {record['lpips']:.4f}" if lps else ""))
    append_jsonl(os.path.join(dirs["log"], "val_log.jsonl"), record)
    plot_log(os.path.join(dirs["log"], "val_log.jsonl"), os.path.join(dirs["log"], "val_curves.png"),
             f"{opt['name']}: validation on {name}")


def save_checkpoint_set(model, it, per_epoch, dirs, opt, best):
    """Networks first, then the training state that names them (the manifest), then the plot: a crash
    at any point leaves the newest state consistent with its networks."""
    names = model.save(it, dirs["models"])
    model.save_training_state(it // per_epoch, it, os.path.join(dirs["training_states"], f"{it}.state"),
                              {"best": best}, networks=names)
    plot_log(os.path.join(dirs["log"], "loss_log.jsonl"), os.path.join(dirs["log"], "loss_curves.png"),
             f"{opt['name']}: losses")


def train(args):
    opt = parse(args.opt, is_train=True, overrides=args.force_opt)
    if args.debug:
        if not opt["name"].startswith("debug"):
            opt["name"] = "debug_" + opt["name"]
        opt["logger"].update(print_freq=1, save_checkpoint_freq=8)
        opt["train"]["val_freq"] = 8
    rank, world, local = init_dist(args.launcher)
    device = pick_device(opt["gpu_ids"], local)
    precision = check_precision(opt["precision"], device)
    root = os.path.join(opt["path"]["experiments_root"], opt["name"])
    dirs = {k: os.path.join(root, k) for k in ("models", "training_states", "log", "visualization")}

    resume = resume_path(root, opt["path"]["resume_state"], args.auto_resume)
    # inputs first (data, weights files): a bad one stops the run before anything is written or renamed
    seed = opt["train"]["manual_seed"]
    seed_all(seed)
    train_set = PairedDataset(opt["datasets"]["train"], opt["scale"], "train")
    train_loader = build_dataloader(train_set, opt["datasets"]["train"], rank, world, seed)
    val_loader = None
    if "val" in opt["datasets"]:
        val_loader = build_dataloader(PairedDataset(opt["datasets"]["val"], opt["scale"], "val"), {}, train=False)
    model = create_model(opt, device, rank, world)
    lpips = None
    if opt["val_lpips"] and val_loader is not None:
        if not opt["path"]["lpips_alex"]:
            raise OptionError(f"{args.opt}: 'val_lpips' needs 'path.lpips_alex' (torchvision's alexnet-owt-7be5be79.pth)")
        from fasrgan.metrics import LPIPS

        lpips = LPIPS(opt["path"]["lpips_alex"], opt["path"]["lpips_linear"]).to(device)
    state = load_checkpoint(resume, key=None) if resume else None
    if state is not None and not (isinstance(state, dict) and "iter" in state):
        raise CheckpointError(f"{resume}: not a fasrgan training state")
    seed_all(seed + rank)

    archived = None
    if rank == 0:
        archived = prepare(root, resume=state is not None)
        atomic_write(os.path.join(root, os.path.basename(args.opt)), lambda tmp: shutil.copyfile(args.opt, tmp))
    _barrier(world)
    logger = get_logger(os.path.join(dirs["log"], f"train_{opt['name']}_{timestamp()}.log"), rank)
    if archived:
        logger.info(f"Renamed existing {root} to {archived}")
    logger.info(f"options: {opt['opt_path']}; model {opt['model']}; device {device}; processes {world}")
    logger.info(f"precision {precision}; CPU {cpu_capability()}")
    logger.info(f"training on {len(train_set)} pairs from {opt['datasets']['train']['dataroot_HR']}")

    start_iter, best = 0, {}
    if state is not None:
        start_iter = int(state["iter"])
        model.resume_training(state, resume)
        best = dict(state.get("extra", {}).get("best", {}))
        logger.info(f"Resuming training from epoch: {int(state['epoch'])}, iter: {start_iter}.")
        if rank == 0:
            for f in ("loss_log.jsonl", "val_log.jsonl"):
                truncate_jsonl(os.path.join(dirs["log"], f), start_iter)
    elif args.auto_resume:
        logger.info(f"--auto_resume: no experiment {root} yet; starting from iteration 0")

    t = opt["train"]
    niter, lg = t["niter"], opt["logger"]
    loss_log = os.path.join(dirs["log"], "loss_log.jsonl")
    sampler = train_loader.sampler
    pbar = None
    if rank == 0:
        from tqdm import tqdm
        pbar = tqdm(total=niter, initial=start_iter, unit="it", dynamic_ncols=True, file=sys.stderr,
                    disable=not sys.stderr.isatty() and os.environ.get("FASRGAN_TQDM") != "1")
    it, last_saved = start_iter, None
    # time/iter = waiting for the data loader + the model step, averaged since the last log line
    n_timed, data_time, iter_time = 0, 0.0, 0.0
    per_epoch = sampler.batches_per_epoch()
    epoch, skip = divmod(start_iter, per_epoch)
    try:
        with StopRequest() as stop:
            while it < niter:
                sampler.set_epoch(epoch, skip)
                train_loader.generator.manual_seed(seed + rank + 7919 * epoch)   # loader workers' seeds
                skip = 0
                t_wait = time.time()
                for data in train_loader:
                    if it >= niter:
                        break
                    data_time += time.time() - t_wait
                    it += 1
                    if t["lr_update_before_step"]:
                        model.update_learning_rate()
                    model.feed_data(data)
                    losses = model.optimize_parameters(it)
                    if not t["lr_update_before_step"]:
                        model.update_learning_rate()
                    iter_time += time.time() - t_wait
                    n_timed += 1
                    bad = [k for k, v in losses.items() if not math.isfinite(v)]
                    if bad:
                        raise FloatingPointError(f"iter {it}: non-finite loss {', '.join(bad)}")
                    if pbar is not None:
                        pbar.update(1)
                    if rank == 0 and (it % lg["print_freq"] == 0 or it == niter):
                        lrs = model.current_lr()
                        append_jsonl(loss_log, {"iter": it, "epoch": epoch, **{f"lr_{k}": v for k, v in lrs.items()},
                                                **losses})
                        msg = " ".join(f"{k}: {v:.4e}" for k, v in losses.items())
                        logger.info(f"[epoch:{epoch:3d}, iter:{it:8,d}, lr:({lrs['G']:.3e})] {msg} "
                                    f"[time/iter: {iter_time / n_timed:.3f}s (data {data_time / n_timed:.3f}s)]")
                        n_timed, data_time, iter_time = 0, 0.0, 0.0
                    if it % lg["save_checkpoint_freq"] == 0 or it == niter:
                        if rank == 0:
                            save_checkpoint_set(model, it, per_epoch, dirs, opt, best)
                            logger.info(f"Saved models and training state at iter {it}.")
                        last_saved = it
                        _barrier(world)
                    if val_loader is not None and ((t["val_freq"] and it % t["val_freq"] == 0) or it == niter):
                        if rank == 0:
                            validate(model, val_loader, it, dirs, opt, logger, best, lpips)
                        _barrier(world)
                    if stop.should_stop(world):
                        if rank == 0 and last_saved != it:
                            save_checkpoint_set(model, it, per_epoch, dirs, opt, best)
                            logger.info(f"Interrupted: saved models and training state at iter {it}.")
                        _barrier(world)
                        raise KeyboardInterrupt
                    t_wait = time.time()   # saving and validation count in neither time
                epoch += 1
    finally:
        if pbar is not None:
            pbar.close()
    if world > 1:   # every process must hold the same weights after averaged-gradient steps
        for name, net in model.nets.items():
            v = torch.cat([p.detach().reshape(-1) for p in net.parameters()])
            gathered = [torch.empty_like(v) for _ in range(world)]
            torch.distributed.all_gather(gathered, v)
            diff = max((g - v).abs().max().item() for g in gathered)
            logger.info(f"DDP: net_{name} max difference between processes {diff:.3g}")
    if rank == 0:
        if last_saved is not None:
            for name in model.nets:
                src = os.path.join(dirs["models"], f"net_{name}_{last_saved}.pth")
                atomic_write(os.path.join(dirs["models"], f"net_{name}_latest.pth"),
                             lambda tmp, src=src: shutil.copyfile(src, tmp))
        if it <= start_iter:
            logger.info(f"Nothing to do: iteration {start_iter} already reaches niter {niter}.")
        logger.info("End of training.")
    close_logger()
    return 0


def _main(argv):
    args = parse_args(argv)
    try:
        return train(args)
    except KeyError as exc:           # an entry missing from a checkpoint or training state
        raise DataError(f"missing entry {exc}") from None
    finally:
        close_logger()
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    return run_cli(_main, args, prog="fasrgan/train.py", resume_hint=auto_resume_hint("fasrgan/train.py", args))


if __name__ == "__main__":
    sys.exit(main())
