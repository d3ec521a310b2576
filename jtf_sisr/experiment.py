"""EDSR's experiment folder: experiment/<save>/{state_latest.pt, model/, results-<set>/, log.txt, config.txt,
psnr_log.pt, ssim_log.pt, test_<set>.png, loss_<term>.png}.

``state_latest.pt`` is the training state in one file (model, optimizer, scheduler, epoch, logs, RNG),
written atomically before anything else of an epoch, so a crash at any point leaves the state of one
epoch to resume from; ``model/model_latest.pt``, ``model_best.pt``, ``model_<N>.pt``, the logs and the
plots are derived from it. Folders of the earlier layout (``model/model_latest.pt`` + ``optimizer.pt``)
still resume.
"""
import datetime
import glob
import os
import shutil

from common.cli import UsageError
from common.io import atomic_write, imwrite, load_checkpoint, remove_stale_temps, save_checkpoint

STATE = "state_latest.pt"


class Experiment:
    """The folder of a run. Nothing on disk changes until :meth:`start`, which the entry point calls once
    the run has started successfully (datasets found, weights loaded): a failed run leaves an earlier
    experiment of the same name as it was."""

    def __init__(self, args, rank=0):
        self.args, self.rank = args, rank
        self.dir = os.path.join(args.dir_experiment, args.load or args.save)
        self.main = rank == 0
        self.started = False
        self._pending = []                      # log lines written before start()

    def start(self):
        """Archive (or with --reset delete) an earlier folder of a new run, create this one, remove the
        temporary files of a killed run, write config.txt and the log lines held so far."""
        args = self.args
        self.started = True
        if not self.main:
            return
        if args.reset and not args.load and os.path.isdir(self.dir):
            shutil.rmtree(self.dir)
        elif not args.load and not args.test_only and os.path.isdir(self.dir):
            stamp = datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
            os.rename(self.dir, f"{self.dir}_archived_{stamp}")
        os.makedirs(os.path.join(self.dir, "model"), exist_ok=True)
        for folder in [self.dir, self.path("model")] + glob.glob(self.path("results-*")):
            remove_stale_temps(folder)
        with open(self.path("config.txt"), "a") as f:
            f.write(datetime.datetime.now().strftime("%Y-%m-%d-%H:%M:%S") + "\n")
            f.writelines(f"{k}: {v}\n" for k, v in sorted(vars(args).items()))
            f.write("\n")
        pending, self._pending = self._pending, []
        with open(self.path("log.txt"), "a") as f:
            f.writelines(line + "\n" for line in pending)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write_log(self, line, echo=True):
        """Print ``line`` (unless ``echo`` is False) and append it to log.txt."""
        if not self.main:
            return
        if echo:
            print(line, flush=True)
        if not self.started:
            self._pending.append(line)
            return
        with open(self.path("log.txt"), "a") as f:
            f.write(line + "\n")

    def save_image(self, set_name, stem, scale, img, tag="SR"):
        imwrite(self.path(f"results-{set_name}", f"{stem}_x{scale}_{tag}.png"), img)

    def save_checkpoints(self, model_state, trainer_state, epoch, is_best=False, keep=False):
        """The state file first (the one a resume reads), then the weights files and the logs. Call it
        under ``common.io.uninterrupted()`` so that Ctrl-C waits until all are written."""
        save_checkpoint({"model": model_state, "trainer": trainer_state}, self.path(STATE))
        save_checkpoint(model_state, self.path("model", "model_latest.pt"))
        if is_best:
            save_checkpoint(model_state, self.path("model", "model_best.pt"))
        if keep:
            save_checkpoint(model_state, self.path("model", f"model_{epoch}.pt"))
        save_checkpoint(trainer_state["psnr_log"], self.path("psnr_log.pt"))
        save_checkpoint(trainer_state["ssim_log"], self.path("ssim_log.pt"))

    def plot(self, psnr_log, set_names, scales, loss_log):
        """PSNR-per-epoch curves per test set and loss curves per term, as PNG."""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        epochs = range(1, psnr_log.shape[0] + 1)
        for i, name in enumerate(set_names):
            fig, ax = plt.subplots()
            for j, s in enumerate(scales):
                ax.plot(epochs, psnr_log[:, i, j].numpy(), label=f"x{s}")
            ax.set(title=f"SR on {name}", xlabel="epoch", ylabel="PSNR (dB, Y)")
            ax.legend()
            ax.grid(True)
            atomic_write(self.path(f"test_{name}.png"), lambda tmp: fig.savefig(tmp, format="png"))
            plt.close(fig)
        for term in (loss_log[0] if loss_log else {}):
            fig, ax = plt.subplots()
            ax.plot(range(1, len(loss_log) + 1), [row.get(term, float("nan")) for row in loss_log], label=term)
            ax.set(title=f"{term} loss", xlabel="epoch", ylabel="loss")
            ax.grid(True)
            atomic_write(self.path(f"loss_{term}.png"), lambda tmp: fig.savefig(tmp, format="png"))
            plt.close(fig)


def find_resume(folder, resume=0):
    """(model weights file, training state or None) to continue the experiment ``folder`` from.

    ``resume`` -1 or 0: the latest state (``state_latest.pt``, or the earlier layout's
    ``model/model_latest.pt`` with ``optimizer.pt``); N: ``model/model_N.pt`` with the latest
    training state, as EDSR does. UsageError for a missing folder or one without a checkpoint.
    """
    if not os.path.isdir(folder):
        raise UsageError(f"--load {os.path.basename(folder)}: no experiment folder {folder} (check --dir_experiment)")
    state_path, legacy = os.path.join(folder, STATE), os.path.join(folder, "optimizer.pt")
    state = None
    if os.path.isfile(state_path):
        full = load_checkpoint(state_path, key=None)
        if not (isinstance(full, dict) and isinstance(full.get("model"), dict) and isinstance(full.get("trainer"), dict)):
            raise ValueError(f"{state_path}: not a training state (expected the entries model and trainer)")
        weights, state = (state_path, full["model"]), full["trainer"]
    else:
        latest = os.path.join(folder, "model", "model_latest.pt")
        if not os.path.isfile(latest):
            raise UsageError(f"--load {os.path.basename(folder)}: {folder} holds no checkpoint ({STATE} or "
                             f"model/model_latest.pt); start a new run with --save instead")
        weights = (latest, load_checkpoint(latest))
        if os.path.isfile(legacy):
            state = load_checkpoint(legacy, key=None)
    if resume > 0:
        path = os.path.join(folder, "model", f"model_{resume}.pt")
        if not os.path.isfile(path):
            raise UsageError(f"--resume {resume}: no {path}")
        weights = (path, load_checkpoint(path))
    return weights, state
