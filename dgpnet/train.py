"""Train DGPNet (BasicSR style).

    python dgpnet/train.py -opt dgpnet/options/train/train_DGPNet_x4.json [--auto_resume] [--debug]
    torchrun --nproc_per_node=2 dgpnet/train.py -opt ... --launcher pytorch

Ctrl-C (or SIGTERM) saves a resumable state at the end of the current iteration; bad input ends in one line.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402
import math  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

from common.cli import auto_resume_hint, run_cli  # noqa: E402
from common.curves import plot_curves  # noqa: E402
from common.experiment import prepare, resume_path, timestamp, write_checkpoint  # noqa: E402
from common.interrupt import StopRequest  # noqa: E402
from common.io import CheckpointError, atomic_write, load_checkpoint  # noqa: E402
from common.precision import PrecisionError, check, cpu_capability  # noqa: E402
from common.rng_state import get_state as get_rng_state, seed_all, set_state as set_rng_state  # noqa: E402
from dgpnet.data import build_dataloader, build_dataset  # noqa: E402
from dgpnet.models import DGPNetGANModel, DGPNetModel  # noqa: E402
from dgpnet.utils import dist  # noqa: E402
from dgpnet.utils.misc import get_logger  # noqa: E402
from dgpnet.utils.options import parse_options  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Train DGPNet (BasicSR-style options file).")
    p.add_argument("-opt", "--opt", required=True, help="path to the JSON options file (// comments allowed)")
    p.add_argument("--launcher", choices=["none", "pytorch"], default="none", help="pytorch: torchrun DDP")
    p.add_argument("--auto_resume", action="store_true", help="resume from the latest training state")
    p.add_argument("--debug", action="store_true", help="debug_ name prefix; val/save every 8, print every 1")
    p.add_argument("--force_opt", "--force_yml", nargs="+", default=None, metavar="KEY:SUB=VALUE",
                   help="override options, e.g. train:total_iter=1000 (unknown keys are still an error)")
    p.add_argument("--local_rank", "--local-rank", type=int, default=0, help="ignored; LOCAL_RANK is read from the environment")
    return p.parse_args(argv)


def _plots(log_dir, history):
    plot_curves(os.path.join(log_dir, "loss.png"), {"train loss": history["loss"]}, ylabel="loss", title="training loss")
    for ds, metrics in history["val"].items():
        for m, pts in metrics.items():
            plot_curves(os.path.join(log_dir, f"val_{ds}_{m}.png"), {f"{ds} {m}": pts}, ylabel=m,
                        title=f"validation {ds} (fused network)")


def main(argv=None):
    args = parse_args(argv)
    opt = parse_options(args.opt, is_train=True, debug=args.debug, overrides=args.force_opt)
    device = torch.device("cuda" if opt["num_gpu"] and torch.cuda.is_available() else "cpu")   # as DGPNetModel's
    precision = check(opt["precision"], device)   # PrecisionError (one line) before anything is written
    rank, world = dist.init_dist(args.launcher, opt["dist_params"]["backend"])
    seed = opt["manual_seed"]
    seed_all(seed)
    name = opt["name"]
    exp_root = os.path.abspath(opt["path"]["experiments_root"] or os.path.join("experiments", name))
    resume = resume_path(exp_root, opt["path"]["resume_state"], args.auto_resume)
    # every input is checked (data, first images, pretrained weights, the state) before a folder is touched
    train_opt = opt["datasets"]["train"]
    train_set = build_dataset(train_opt)
    train_set.seed = seed
    loader = build_dataloader(train_set, train_opt, world, rank, seed)
    val_sets = {}
    for phase, ds_opt in opt["datasets"].items():
        if phase != "train":
            val_sets[ds_opt["name"]] = build_dataloader(build_dataset(ds_opt), ds_opt)
    for ds in [train_set] + [v.dataset for v in val_sets.values()]:
        ds.load_pair(0)
    model = {"DGPNetModel": DGPNetModel, "DGPNetGANModel": DGPNetGANModel}[opt["model_type"]](opt, world)
    state = None
    if resume:
        state = load_checkpoint(resume, key=None)
        if not isinstance(state, dict) or "iter" not in state:
            raise CheckpointError(f"{resume}: not a training state")
    archived = None
    if rank == 0:
        archived = prepare(exp_root, resume=state is not None)
        atomic_write(os.path.join(exp_root, os.path.basename(args.opt)), lambda tmp: shutil.copyfile(args.opt, tmp))
    dist.barrier()
    dirs = {sub: os.path.join(exp_root, sub) for sub in ("models", "training_states", "log", "visualization")}
    log = get_logger(os.path.join(dirs["log"], f"train_{name}_{timestamp()}.log"), rank)
    model.log = log
    if archived:
        log.info(f"Path already exists. Renamed it to {archived}")
    log.info(f"options {os.path.abspath(args.opt)}; experiment {exp_root}; world size {world}")
    log.info(f"precision {precision} on {device}; CPU {cpu_capability()}")

    iters_per_epoch = max(len(loader), 1)
    total_iter = int(opt["train"]["total_iter"])
    log.info(f"training images {len(train_set)}, batch {train_opt['batch_size_per_gpu']} x {world}, "
             f"{iters_per_epoch} iterations per epoch, {total_iter} iterations, "
             f"about {math.ceil(total_iter / iters_per_epoch)} epochs")
    log.info(f"network {opt['network_g']}: {sum(p.numel() for p in model.net_g.parameters())} training parameters")
    start_iter, epoch, batch_in_epoch = 0, 0, 0
    history = {"loss": [], "val": {}}
    best = {}
    if state is not None:
        start_iter, epoch, batch_in_epoch = state["iter"], state["epoch"], state["batch_in_epoch"]
        # BasicSR: <exp>/training_states/<iter>.state names its networks in <exp>/models
        models = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(resume))), "models")
        net_name = state.get("networks", {}).get("g", f"net_g_{start_iter}.pth")
        model.resume(state, os.path.join(models, net_name), resume)
        history, best = state["history"], state["best"]
        set_rng_state(state["rng"])
        if rank:
            torch.manual_seed(seed + rank + start_iter)
        log.info(f"Resuming training from epoch: {epoch}, iter: {start_iter}.")
    elif args.auto_resume:
        log.info(f"--auto_resume: no experiment {exp_root} yet; starting from iteration 0")
    elif rank:
        torch.manual_seed(seed + rank)   # different crops per process; the weights are broadcast by DDP

    lg = opt["logger"]
    val_freq, print_freq, save_freq = int(opt["val"]["val_freq"]), int(lg["print_freq"]), int(lg["save_checkpoint_freq"])
    bar = None
    if rank == 0 and lg["use_tqdm"]:
        from tqdm import tqdm
        bar = tqdm(total=total_iter, initial=start_iter, unit="it", desc=name, dynamic_ncols=True)

    def save(it):
        """The network first, then the training state naming it (the manifest), then the plots."""
        if rank != 0:
            return
        net_name = model.save_network(dirs["models"], it)
        state = dict(model.training_state(), iter=it, epoch=epoch, batch_in_epoch=batch_in_epoch, best=best,
                     history=history, rng=get_rng_state(), networks={"g": net_name})
        write_checkpoint(state, os.path.join(dirs["training_states"], f"{it}.state"))
        _plots(dirs["log"], history)
        log.info(f"Saving models and training states at iter {it}.")

    def validate(it):
        if rank != 0:
            return
        for ds_name, vloader in val_sets.items():
            res = model.validation(vloader, ds_name, it, os.path.join(dirs["visualization"], ds_name), opt["val"]["pbar"])
            lines = [f"Validation {ds_name} (fused network; Y channel, crop_border {opt['scale']})"]
            for m, v in res.items():
                history["val"].setdefault(ds_name, {}).setdefault(m, []).append((it, v))
                b = best.setdefault(ds_name, {}).get(m)
                if b is None or v > b[0]:
                    best[ds_name][m] = b = (v, it)
                lines.append(f"\t # {m}: {v:.4f}\tBest: {b[0]:.4f} @ {b[1]} iter")
            log.info("\n".join(lines))
        _plots(dirs["log"], history)

    it = start_iter
    t0 = t_wait = time.time()   # t_wait: when this iteration started waiting for the data loader
    data_time, iter_time, timed = 0.0, 0.0, 0   # sums since the last print line
    try:
        with StopRequest() as stop:
            while it < total_iter:
                loader.sampler.set_epoch(epoch, batch_in_epoch)
                for batch in loader:
                    t_data = time.time()
                    it += 1
                    batch_in_epoch += 1
                    loss = model.optimize(batch, it)   # .item() inside waits for the device
                    t_step = time.time()
                    data_time, iter_time, timed = data_time + t_data - t_wait, iter_time + t_step - t_wait, timed + 1
                    if rank == 0 and (not history["loss"] or history["loss"][-1][0] < it):
                        history["loss"].append((it, loss))
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix(loss=f"{loss:.4g}", lr=f"{model.lr():.2e}")
                    if it % print_freq == 0:
                        log.info(f"[epoch:{epoch:3d}, iter:{it:8,d}, lr:({model.lr():.3e},)] "
                                 f"[time (s): {t_step - t0:.2f}, time/iter: {iter_time / timed:.3f}s "
                                 f"(data {data_time / timed:.3f}s)] "
                                 + " ".join(f"{k}: {v:.4e}" for k, v in model.last_losses.items()))
                        data_time, iter_time, timed = 0.0, 0.0, 0
                    if val_sets and it % val_freq == 0:
                        validate(it)
                    if it % save_freq == 0:   # after validation, so the state holds this iteration's metrics
                        save(it)
                    dist.barrier()
                    if stop.should_stop(world):
                        if it % save_freq != 0:
                            save(it)
                            log.info(f"Interrupted: saved a resumable state at iter {it}.")
                        dist.barrier()
                        raise KeyboardInterrupt
                    t_wait = time.time()   # validation and saving are not counted as data or step time
                    if it >= total_iter:
                        break
                else:
                    epoch, batch_in_epoch = epoch + 1, 0
    finally:
        if bar is not None:
            bar.close()
    if it == start_iter:
        log.info(f"Nothing to train: iteration {it} already reached total_iter {total_iter}.")
    else:
        if val_sets and it % val_freq != 0:
            validate(it)
        if it % save_freq != 0:
            save(it)
    log.info(f"End of training. Time consumed: {time.time() - t0:.1f} s. Latest model: "
             f"{os.path.join(dirs['models'], 'net_g_latest.pth')}")
    dist.barrier()
    dist.cleanup()
    return 0


def _main(argv):
    try:
        return main(argv)
    finally:
        dist.cleanup()


def cli(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    return run_cli(_main, args, prog="dgpnet/train.py", resume_hint=auto_resume_hint("dgpnet/train.py", args))


if __name__ == "__main__":
    sys.exit(cli())
