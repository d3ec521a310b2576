"""DGPNetModel plus an adversarial term (BasicSR's RealESRGANModel procedure, without the perceptual loss):
G minimises pixel loss + ``gan_opt.loss_weight`` x GAN loss; a U-Net discriminator scores every pixel.

The pixel loss compares with ``gt`` (the sharpened HR when the dataset's ``gt_usm`` is on); the discriminator's
real images are the plain HR (``gt_plain`` when the dataset sends it), as Real-ESRGAN does.
"""
import os

import torch

from common.experiment import write_checkpoint
from common.io import CheckpointError, load_checkpoint
from common.precision import autocast
from common.state_match import load_matching
from dgpnet.archs import DISCRIMINATORS
from dgpnet.losses import GANLoss
from dgpnet.models.dgpnet_model import DGPNetModel

__all__ = ["DGPNetGANModel"]


def build_discriminator(cfg):
    cfg = dict(cfg)
    return DISCRIMINATORS[cfg.pop("type")](**cfg)


class DGPNetGANModel(DGPNetModel):
    """Generator as DGPNetModel; discriminator ``network_d``, its optimizer ``train.optim_d`` (same scheduler)."""

    def __init__(self, opt, world_size=1, logger=None):
        super().__init__(opt, world_size, logger)
        self.net_d = build_discriminator(opt["network_d"]).to(self.device)
        path = opt["path"]
        if path["pretrain_network_d"]:
            state = load_checkpoint(path["pretrain_network_d"], key="auto")
            load_matching(self.net_d, state, path["pretrain_network_d"], path["strict_load_d"], "network_d",
                          "check network_d in the options")
        tr = opt["train"]
        g = dict(tr["gan_opt"])
        g.pop("type")
        self.gan_loss = GANLoss(**g).to(self.device)
        self.net_d_iters, self.net_d_init_iters = tr["net_d_iters"], tr["net_d_init_iters"]
        self.optimizer_d = self._make_optimizer(tr["optim_d"], self.net_d.parameters())
        self.scheduler_d = self._scheduler(tr["scheduler"], tr["total_iter"], self.optimizer_d)

    def optimize(self, batch, current_iter):
        """One G step (pixel + GAN; skipped in the D warm-up and between ``net_d_iters``) and one D step."""
        self.used_lr = self.optimizer.param_groups[0]["lr"]
        self.net.train()
        self.net_d.train()
        lq, gt = batch["lq"].to(self.device), batch["gt"].to(self.device)
        real = batch["gt_plain"].to(self.device) if "gt_plain" in batch else gt
        losses = {}
        self.net_d.requires_grad_(False)
        self.optimizer.zero_grad(set_to_none=True)
        with autocast(self.precision, self.device):
            sr = self.net(lq).float()
            step_g = current_iter % self.net_d_iters == 0 and current_iter > self.net_d_init_iters
            if step_g:
                losses["l_g_pix"] = self.loss(sr, gt)
                losses["l_g_gan"] = self.gan_loss(self.net_d(sr).float(), True, is_disc=False)
                total = losses["l_g_pix"] + losses["l_g_gan"]
        if step_g:
            if not torch.isfinite(total):
                raise FloatingPointError(f"iteration {current_iter}: the generator loss is {total.item()}")
            self.scaler.scale(total).backward()
            self.scaler.step(self.optimizer)
        self.net_d.requires_grad_(True)
        self.optimizer_d.zero_grad(set_to_none=True)
        with autocast(self.precision, self.device):
            d_real = self.net_d(real).float()
            d_fake = self.net_d(sr.detach()).float()
        losses["l_d_real"] = self.gan_loss(d_real, True, is_disc=True)
        losses["l_d_fake"] = self.gan_loss(d_fake, False, is_disc=True)
        self.scaler.scale(losses["l_d_real"] + losses["l_d_fake"]).backward()
        self.scaler.step(self.optimizer_d)
        self.scaler.update()   # one scaler for both optimizers (fp16 on CUDA; a pass-through otherwise)
        self.scheduler.step()
        self.scheduler_d.step()
        if self.net_ema is not None:
            self._update_ema()
        self.last_losses = {k: v.item() for k, v in losses.items()}
        return self.last_losses.get("l_g_pix", 0.0)

    def save_network(self, folder, current_iter):
        name = super().save_network(folder, current_iter)
        blob = {"params": self.net_d.state_dict(), "network_d": dict(self.opt["network_d"])}
        for tag in (str(current_iter), "latest"):
            write_checkpoint(blob, os.path.join(folder, f"net_d_{tag}.pth"))
        return name

    def training_state(self):
        state = super().training_state()
        sched = self.scheduler_d.state_dict()
        if "milestones" in sched:
            sched["milestones"] = {int(k): int(v) for k, v in sched["milestones"].items()}
        state["optimizers"].append(self.optimizer_d.state_dict())
        state["schedulers"].append(sched)
        return state

    def resume(self, state, net_path, state_path=None):
        super().resume(state, net_path, state_path)
        d_path = os.path.join(os.path.dirname(net_path), os.path.basename(net_path).replace("net_g_", "net_d_", 1))
        if not os.path.isfile(d_path) or len(state["optimizers"]) < 2:
            raise CheckpointError(f"{state_path or net_path}: no discriminator to resume ({d_path})")
        load_matching(self.net_d, load_checkpoint(d_path, key="params"), d_path, True, "network_d",
                      "check network_d in the options")
        self.optimizer_d.load_state_dict(state["optimizers"][1])
        self.scheduler_d.load_state_dict(state["schedulers"][1])
