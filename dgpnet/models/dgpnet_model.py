"""Training procedure: L1 on the unfused network, validation on its fused copy (BasicSR SRModel).

``precision`` (fp32, fp16, bf16) sets the autocast dtype of the forward passes; the network output is
cast to float32 before the loss and the metrics, so losses and optimizer state stay fp32.
"""
import copy
import os

import torch
from torch.nn.parallel import DistributedDataParallel

from common.experiment import write_checkpoint
from common.io import CheckpointError, imwrite, load_checkpoint
from common.metrics import calculate_psnr, calculate_ssim
from common.precision import autocast, grad_scaler
from common.state_match import load_matching
from dgpnet.losses import build_loss
from dgpnet.models.net_utils import build_network, fused_eval, load_weights, tensor2img
from dgpnet.utils.tiling import run

__all__ = ["DGPNetModel"]

_METRICS = {"calculate_psnr": calculate_psnr, "calculate_ssim": calculate_ssim}


class DGPNetModel:
    """Network, optimizer, scheduler, loss, optional EMA; saving, resuming and validation."""

    def __init__(self, opt, world_size=1, logger=None):
        self.opt, self.world_size, self.log = opt, world_size, logger
        self.device = torch.device("cuda" if opt["num_gpu"] and torch.cuda.is_available() else "cpu")
        path = opt["path"]
        if path["pretrain_network_g"]:
            net, fused = load_weights(opt["network_g"], path["pretrain_network_g"], path["param_key_g"],
                                      path["strict_load_g"])
            if fused:
                raise ValueError(f"{path['pretrain_network_g']}: fused weights cannot be fine-tuned as DGConv")
            self.net_g = net
        else:
            self.net_g = build_network(opt["network_g"])
        self.net_g.to(self.device)
        self.precision = opt["precision"]
        self.scaler = grad_scaler(self.precision, self.device)   # loss scaling for fp16 on CUDA, else a pass-through
        self.net = DistributedDataParallel(self.net_g) if world_size > 1 else self.net_g
        tr = opt["train"]
        self.ema_decay = tr["ema_decay"]
        self.net_ema = copy.deepcopy(self.net_g).eval().requires_grad_(False) if self.ema_decay > 0 else None
        self.loss = build_loss(tr["pixel_opt"]).to(self.device)
        self.optimizer = self._optimizer(tr["optim_g"])
        self.scheduler = self._scheduler(tr["scheduler"], tr["total_iter"])
        self.initial_lr = [g["lr"] for g in self.optimizer.param_groups]
        self.warmup = tr["warmup_iter"]

    def _optimizer(self, o):
        return self._make_optimizer(o, self.net_g.parameters())

    @staticmethod
    def _make_optimizer(o, params):
        o = dict(o)
        kind = o.pop("type")
        classes = {"Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}
        if kind not in classes:
            raise ValueError(f"unknown optimizer {kind!r} (choose from Adam, AdamW)")
        o["betas"] = tuple(o["betas"])
        return classes[kind](params, **o)

    def _scheduler(self, s, total, optimizer=None):
        optimizer = optimizer or self.optimizer
        if s["type"] == "MultiStepLR":
            return torch.optim.lr_scheduler.MultiStepLR(optimizer, s["milestones"], s["gamma"])
        if s["type"] == "CosineAnnealingLR":
            return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, s["periods"] or total, s["eta_min"])
        raise ValueError(f"unknown scheduler {s['type']!r} (choose from MultiStepLR, CosineAnnealingLR)")

    def optimize(self, batch, current_iter):
        """One step; returns the loss value."""
        if current_iter <= self.warmup:
            for g, lr in zip(self.optimizer.param_groups, self.initial_lr):
                g["lr"] = lr * current_iter / self.warmup
        self.used_lr = self.optimizer.param_groups[0]["lr"]
        self.net.train()
        lq, gt = batch["lq"].to(self.device), batch["gt"].to(self.device)
        self.optimizer.zero_grad(set_to_none=True)
        with autocast(self.precision, self.device):
            loss = self.loss(self.net(lq).float(), gt)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"iteration {current_iter}: the loss is {loss.item()}")
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.scheduler.step()
        if self.net_ema is not None:
            self._update_ema()
        self.last_losses = {"l_pix": loss.item()}
        return self.last_losses["l_pix"]

    @torch.no_grad()
    def _update_ema(self):
        for pe, p in zip(self.net_ema.parameters(), self.net_g.parameters()):
            pe.lerp_(p, 1 - self.ema_decay)
        for be, b in zip(self.net_ema.buffers(), self.net_g.buffers()):
            be.copy_(b)

    def lr(self):
        """Learning rate of the last optimisation step (before the scheduler moved it)."""
        return getattr(self, "used_lr", self.optimizer.param_groups[0]["lr"])

    # ----------------------------------------------------------------- checkpoints
    def save_network(self, folder, current_iter):
        """``net_g_<iter>.pth`` and ``net_g_latest.pth``; returns the first one's file name."""
        blob = {"params": self.net_g.state_dict(), "network_g": dict(self.opt["network_g"])}
        if self.net_ema is not None:
            blob["params_ema"] = self.net_ema.state_dict()
        for tag in (str(current_iter), "latest"):
            write_checkpoint(blob, os.path.join(folder, f"net_g_{tag}.pth"))
        return f"net_g_{current_iter}.pth"

    def training_state(self):
        sched = self.scheduler.state_dict()
        if "milestones" in sched:   # a Counter is not loadable with weights_only=True
            sched["milestones"] = {int(k): int(v) for k, v in sched["milestones"].items()}
        state = {"optimizers": [self.optimizer.state_dict()], "schedulers": [sched]}
        if self.scaler.is_enabled():
            state["scaler"] = self.scaler.state_dict()
        return state

    def resume(self, state, net_path, state_path=None):
        """The network the state names, its EMA copy, the optimizer, scheduler and loss scale."""
        if not os.path.isfile(net_path):
            raise CheckpointError(f"{state_path or net_path}: its network file {net_path} is missing")
        raw = load_checkpoint(net_path, key=None)
        if not isinstance(raw, dict) or not isinstance(raw.get("params"), dict):
            raise CheckpointError(f"{net_path}: no 'params' entry (not a dgpnet training checkpoint)")
        hint = "check network_g in the options"
        load_matching(self.net_g, raw["params"], net_path, True, "network_g", hint)
        if self.net_ema is not None:
            load_matching(self.net_ema, raw.get("params_ema", raw["params"]), net_path, True, "network_g", hint)
        self.optimizer.load_state_dict(state["optimizers"][0])
        self.scheduler.load_state_dict(state["schedulers"][0])
        if self.scaler.is_enabled() and "scaler" in state:
            self.scaler.load_state_dict(state["scaler"])

    # ----------------------------------------------------------------- validation
    @torch.no_grad()
    def validation(self, loader, dataset_name, current_iter, vis_dir=None, pbar=False):
        """PSNR/SSIM (by the options' metrics) of the fused network over ``loader``."""
        val = self.opt["val"]
        net = fused_eval(self.net_ema if self.net_ema is not None else self.net_g)
        sums = {k: 0.0 for k in val["metrics"]}
        n = 0
        items = loader
        if pbar:
            from tqdm import tqdm
            items = tqdm(loader, desc=f"val {dataset_name}", unit="img", leave=False)
        for batch in items:
            with torch.inference_mode(), autocast(self.precision, self.device):
                sr = tensor2img(run(net, batch["lq"].to(self.device), val["tile"], val["tile_overlap"]).float())
            name = batch["name"][0]
            if vis_dir is not None and val["save_img"]:
                suffix = val["suffix"] or str(current_iter)
                imwrite(os.path.join(vis_dir, name, f"{name}_{suffix}.png"), sr)
            if "gt" in batch:
                gt = tensor2img(batch["gt"])
                for k, m in val["metrics"].items():
                    sums[k] += _METRICS[m["type"]](sr, gt, m["crop_border"], m["test_y_channel"])
            n += 1
        return {k: v / max(n, 1) for k, v in sums.items()}
