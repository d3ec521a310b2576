"""EDSR's training flow: an epoch of ``--test_every`` batches, then a test on every set and scale,
the logs, the plots and the checkpoints; resume restores all of it."""
import math
import sys
import time

import numpy as np
import torch
from tqdm import tqdm

from common.evaluate import evaluate_pair
from common.io import uninterrupted
from common.precision import autocast, grad_scaler


def make_optimizer(args, params):
    if args.optimizer == "SGD":
        return torch.optim.SGD(params, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    if args.optimizer == "RMSprop":
        return torch.optim.RMSprop(params, lr=args.lr, eps=args.epsilon, weight_decay=args.weight_decay)
    return torch.optim.Adam(params, lr=args.lr, betas=tuple(args.betas), eps=args.epsilon,
                            weight_decay=args.weight_decay)


def quantize(sr, rgb_range):
    """Network output -> uint8 HxWx3 (clamped and rounded as EDSR does before scoring)."""
    img = sr[0].mul(255.0 / rgb_range).clamp(0, 255).round().byte()
    return img.permute(1, 2, 0).cpu().numpy()


class Trainer:
    def __init__(self, args, data, model, loss, exp, train_model=None, device="cpu", resume_state=None):
        self.args, self.data, self.model, self.loss, self.exp = args, data, model, loss, exp
        self.train_model = train_model or model          # the DDP wrapper when distributed
        self.device = device
        self.scaler = grad_scaler(args.precision, device)
        self.optimizer = make_optimizer(args, [p for p in model.parameters() if p.requires_grad])
        milestones = [int(d) for d in str(args.decay).split("-")]
        self.scheduler = torch.optim.lr_scheduler.MultiStepLR(self.optimizer, milestones, args.gamma)
        self.epoch = 0
        self.set_names = list(dict.fromkeys(l.dataset.name for l in data.loader_test))
        self.psnr_log = torch.zeros(0, len(self.set_names), len(args.scale))
        self.ssim_log = torch.zeros_like(self.psnr_log)
        self.best = torch.full((len(self.set_names), len(args.scale)), -math.inf)
        self.best_epoch = torch.zeros_like(self.best, dtype=torch.long)
        self.saved_epoch = None                          # the epoch of the state on disk
        self.failed = []                                 # test images that could not be used
        if resume_state is not None:
            self._resume(resume_state)

    def _resume(self, state):
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.epoch = int(state["epoch"])
        if "scaler" in state:
            self.scaler.load_state_dict(state["scaler"])
        self.psnr_log, self.ssim_log = state["psnr_log"], state["ssim_log"]
        self.best, self.best_epoch = state["best"], state["best_epoch"]
        self.loss.log = [dict(zip(state["loss_terms"], row.tolist())) for row in state["loss_log"]]
        torch.set_rng_state(state["rng_torch"])
        self.saved_epoch = self.epoch
        self.exp.write_log(f"Continue from epoch {self.epoch}...")

    def _state(self):
        terms = list(self.loss.log[0]) if self.loss.log else []
        return {"optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
                "epoch": self.epoch, "psnr_log": self.psnr_log, "ssim_log": self.ssim_log, "best": self.best,
                "best_epoch": self.best_epoch, "loss_terms": terms,
                "loss_log": torch.tensor([[row.get(t, float("nan")) for t in terms] for row in self.loss.log]),
                "rng_torch": torch.get_rng_state(), "scaler": self.scaler.state_dict()}

    def train(self):
        args, epoch = self.args, self.epoch + 1
        self.exp.write_log(f"[Epoch {epoch}]\tLearning rate: {self.scheduler.get_last_lr()[0]:.2e}")
        self.data.set_epoch(epoch)
        self.train_model.train()
        last_total, t_data, t_model = None, time.time(), 0.0
        n = min(args.test_every, len(self.data.loader_train))
        for batch, (lr, hr) in enumerate(self.data.loader_train):
            if batch >= n:
                break
            lr, hr = lr.to(self.device), hr.to(self.device)
            t0 = time.time()
            self.optimizer.zero_grad()
            with autocast(args.precision, self.device):
                out = self.train_model(lr)
            out = tuple(o.float() for o in out) if isinstance(out, tuple) else out.float()
            total, _ = self.loss(out, hr)          # losses in fp32 whatever the precision
            if not torch.isfinite(total):
                raise FloatingPointError(f"epoch {epoch}, batch {batch + 1}: the loss is {float(total)}")
            if last_total is None or float(total.detach()) < args.skip_threshold * last_total:
                self.scaler.scale(total).backward()
                if args.gclip > 0:
                    self.scaler.unscale_(self.optimizer)
                    torch.nn.utils.clip_grad_value_(self.model.parameters(), args.gclip)
                self.scaler.step(self.optimizer)
                self.scaler.update()
                last_total = float(total.detach())
            else:
                self.exp.write_log(f"Skip this batch {batch + 1}! (Loss: {float(total)})")
            t_model += time.time() - t0
            if (batch + 1) % args.print_every == 0:
                seen = (batch + 1) * args.batch_size
                # EDSR's "model+data" seconds since the epoch began
                self.exp.write_log(f"[{seen}/{n * args.batch_size}]\t{self.loss.display()}\t"
                                   f"{t_model:.1f}+{time.time() - t_data - t_model:.1f}s")
        self.loss.end_epoch()
        self.scheduler.step()
        self.epoch = epoch

    def save(self):
        """Write the checkpoint set of the current epoch (see ``Experiment.save_checkpoints``)."""
        if not self.exp.main:
            return
        is_best = bool(self.epoch > 0 and self.best_epoch[0, 0] == self.epoch)
        with uninterrupted():                   # Ctrl-C or SIGTERM waits: the files and saved_epoch agree
            self.exp.save_checkpoints(self.model.model.state_dict(), self._state(), self.epoch, is_best=is_best,
                                      keep=self.args.save_models and self.epoch > 0)
            self.saved_epoch = self.epoch

    def _test_items(self, ds):
        """(lr, hr, stem) of each image of ``ds``; an image that cannot be read is logged and skipped."""
        for i in tqdm(range(len(ds)), ncols=80, desc=f"{ds.name} x{ds.scale}", leave=False):
            try:
                item = ds[i]
            except (ValueError, MemoryError) as exc:     # ImageError, size mismatch
                msg = str(exc) if ds.files[i] in str(exc) else f"{ds.files[i]}: {exc}"
                tqdm.write(f"error: {msg}", file=sys.stderr)
                self.exp.write_log(f"error: {msg}", echo=False)
                if ds.files[i] not in self.failed:
                    self.failed.append(ds.files[i])
                continue
            yield item

    @torch.inference_mode()
    def test(self):
        args, exp = self.args, self.exp
        if not exp.main:
            return
        self.model.eval()
        psnr_row = torch.zeros(1, len(self.set_names), len(args.scale))
        ssim_row = torch.zeros_like(psnr_row)
        t0 = time.time()
        for loader in self.data.loader_test:
            ds = loader.dataset
            i, j = self.set_names.index(ds.name), args.scale.index(ds.scale)
            scores = []
            for lr, hr, stem in self._test_items(ds):
                with autocast(args.precision, self.device):
                    sr = quantize(self.model(lr[None].to(self.device)).float(), args.rgb_range)
                if args.save_results:
                    exp.save_image(ds.name, stem, ds.scale, sr)
                if hr.numel():
                    hr_img = hr.numpy()
                    scores.append(evaluate_pair(sr, hr_img, ds.scale, names=(stem, stem)))
                    if args.save_gt and args.save_results:
                        exp.save_image(ds.name, stem, ds.scale, hr_img, "HR")
                if args.save_gt and args.save_results:
                    exp.save_image(ds.name, stem, ds.scale, quantize(lr[None], args.rgb_range), "LR")
            if not scores:
                exp.write_log(f"[{ds.name} x{ds.scale}]\t{len(ds)} images upscaled (no ground truth)")
                continue
            psnr_row[0, i, j] = float(np.mean([s["psnr"] for s in scores]))
            ssim_row[0, i, j] = float(np.mean([s["ssim"] for s in scores]))
            if psnr_row[0, i, j] > self.best[i, j]:
                self.best[i, j], self.best_epoch[i, j] = psnr_row[0, i, j], max(self.epoch, 1)
            best = "" if args.test_only else f" (Best: {self.best[i, j]:.3f} @epoch {int(self.best_epoch[i, j])})"
            exp.write_log(f"[{ds.name} x{ds.scale}]\tPSNR: {psnr_row[0, i, j]:.3f} SSIM: {ssim_row[0, i, j]:.4f}{best}")
        exp.write_log(f"Forward: {time.time() - t0:.2f}s\n")
        if args.test_only:
            return
        self.psnr_log = torch.cat([self.psnr_log, psnr_row])
        self.ssim_log = torch.cat([self.ssim_log, ssim_row])
        exp.write_log("Saving...")
        self.save()
        exp.plot(self.psnr_log, self.set_names, args.scale, self.loss.log)
        exp.write_log(f"Total: {time.time() - t0:.2f}s\n")

    def terminate(self):
        if self.args.test_only:
            self.test()
            return True
        return self.epoch >= self.args.epochs
