"""EDSR's experiment folder: experiment/<save>/{model/, results-<set>/, log.txt, config.txt,
psnr_log.pt, optimizer.pt, test_<set>.png, loss_<term>.png}."""
import datetime
import os
import shutil

import torch

from common.io import atomic_write, imwrite, save_checkpoint


class Experiment:
    def __init__(self, args, rank=0):
        self.args, self.rank = args, rank
        name = args.load or args.save
        self.dir = os.path.join(args.dir_experiment, name)
        self.main = rank == 0
        if self.main:
            if args.reset and os.path.isdir(self.dir):
                shutil.rmtree(self.dir)
            elif not args.load and not args.test_only and os.path.isdir(self.dir):
                stamp = datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
                os.rename(self.dir, f"{self.dir}_archived_{stamp}")
            os.makedirs(os.path.join(self.dir, "model"), exist_ok=True)
            with open(os.path.join(self.dir, "config.txt"), "a") as f:
                f.write(datetime.datetime.now().strftime("%Y-%m-%d-%H:%M:%S") + "\n")
                f.writelines(f"{k}: {v}\n" for k, v in sorted(vars(args).items()))
                f.write("\n")

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write_log(self, line):
        if not self.main:
            return
        print(line, flush=True)
        with open(self.path("log.txt"), "a") as f:
            f.write(line + "\n")

    def save_image(self, set_name, stem, scale, img, tag="SR"):
        imwrite(self.path(f"results-{set_name}", f"{stem}_x{scale}_{tag}.png"), img)

    def save_state(self, state):
        save_checkpoint(state, self.path("optimizer.pt"))

    def save_logs(self, psnr_log, ssim_log):
        save_checkpoint(psnr_log, self.path("psnr_log.pt"))
        save_checkpoint(ssim_log, self.path("ssim_log.pt"))

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


def load_state(path):
    from common.io import load_checkpoint

    return load_checkpoint(path, key=None) if os.path.isfile(path) else None


def rng_state():
    return {"torch": torch.get_rng_state()}
