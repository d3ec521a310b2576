"""What every training procedure shares: networks by name, optimizers, schedulers, gradient
averaging across processes, mixed precision (``precision`` option, common.precision), checkpoints and
resume."""
import os
import random

import numpy as np
import torch
import torch.distributed as dist

from common.io import load_checkpoint, save_checkpoint
from common.precision import autocast, grad_scaler
from fasrgan.models.networks import broadcast_params, network_state


class BaseModel:
    """Subclasses fill ``self.nets`` ({'G': ..., 'D': ..., 'E': ...}), ``self.optimizers`` and
    implement ``optimize_parameters(step)`` returning a dict of logged floats.

    Forward passes and losses run under ``self.autocast()``; network outputs are cast to float32
    before the losses, so losses, metrics and optimizer state stay fp32."""

    def __init__(self, opt, device, rank=0, world=1):
        self.opt, self.device, self.rank, self.world = opt, device, rank, world
        self.is_train = opt["is_train"]
        self.precision = opt.get("precision", "fp32")
        self.nets, self.optimizers, self.schedulers, self.scalers = {}, {}, {}, {}
        self.models_dir = None

    # -- set-up helpers -------------------------------------------------------------------
    def _finish_nets(self):
        for net in self.nets.values():
            net.to(self.device)
            if self.world > 1:
                broadcast_params(net)

    def _adam(self, name, params, which):
        t = self.opt["train"]
        opt = torch.optim.Adam(params, lr=t[f"lr_{which}"], weight_decay=t[f"weight_decay_{which}"] or 0,
                               betas=(t[f"beta1_{which}"], t[f"beta2_{which}"]))
        self.optimizers[name] = opt
        self.schedulers[name] = torch.optim.lr_scheduler.MultiStepLR(opt, t["lr_steps"], t["lr_gamma"])
        # one loss scaler per optimizer (G and D losses differ in scale); a pass-through except fp16 on CUDA
        self.scalers[name] = grad_scaler(self.precision, self.device)
        return opt

    def autocast(self):
        """Context for forward passes and losses in the option's precision (fp32: nothing)."""
        return autocast(self.precision, self.device)

    def _step(self, name, loss):
        """Backward (loss-scaled for fp16), average gradients over processes (what DDP does),
        optimizer step (skipped by the scaler when fp16 gradients overflowed)."""
        opt, scaler = self.optimizers[name], self.scalers[name]
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        if self.world > 1:
            params = [p for g in opt.param_groups for p in g["params"] if p.grad is not None]
            flat = torch.cat([p.grad.reshape(-1) for p in params])
            dist.all_reduce(flat)
            flat /= self.world
            i = 0
            for p in params:
                n = p.grad.numel()
                p.grad.copy_(flat[i:i + n].view_as(p.grad))
                i += n
        scaler.step(opt)
        scaler.update()

    @staticmethod
    def set_requires_grad(net, flag):
        for p in net.parameters():
            p.requires_grad = flag

    # -- data / inference -------------------------------------------------------------------
    def feed_data(self, data):
        self.lr = data["LR"].to(self.device)
        self.hr = data["HR"].to(self.device) if "HR" in data else None

    def generator(self):
        """The LR -> SR network (G, or G after E for Fs-SRGAN)."""
        raise NotImplementedError

    @torch.no_grad()
    def test(self, lr):
        net = self.generator()
        was = net.training
        net.eval()
        with self.autocast():
            sr = net(lr.to(self.device)).float()
        net.train(was)
        return sr

    def update_learning_rate(self):
        for s in self.schedulers.values():
            s.step()

    def current_lr(self):
        return {k: o.param_groups[0]["lr"] for k, o in self.optimizers.items()}

    # -- checkpoints ---------------------------------------------------------------------
    def save(self, it, models_dir):
        """models/net_<X>_<iter>.pth as {'params': state_dict} (authors' key names inside)."""
        for name, net in self.nets.items():
            save_checkpoint({"params": network_state(net)}, os.path.join(models_dir, f"net_{name}_{it}.pth"))

    def load_nets(self, models_dir, it):
        for name, net in self.nets.items():
            path = os.path.join(models_dir, f"net_{name}_{it}.pth")
            try:
                net.load_state_dict(load_checkpoint(path))
            except RuntimeError as exc:   # the options changed the network since the checkpoint
                raise ValueError(f"{path}: does not match the network of the options "
                                 f"({str(exc).splitlines()[0]})") from None

    def save_training_state(self, epoch, it, path, extra=None):
        py = random.getstate()
        np_state = np.random.get_state()
        state = {
            "epoch": epoch, "iter": it,
            "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
            "schedulers": {k: s.state_dict() for k, s in self.schedulers.items()},
            "scalers": {k: s.state_dict() for k, s in self.scalers.items()},   # {} unless fp16 on CUDA
            "rng": {"torch": torch.get_rng_state(), "python": [py[0], list(py[1]), py[2]],
                    "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), int(np_state[2]),
                              int(np_state[3]), float(np_state[4])]},
            "extra": extra or {},
        }
        if torch.cuda.is_available():
            state["rng"]["cuda"] = torch.cuda.get_rng_state_all()
        save_checkpoint(state, path)

    def resume_training(self, state):
        for k, o in self.optimizers.items():
            o.load_state_dict(state["optimizers"][k])
        for k, s in self.schedulers.items():
            s.load_state_dict(state["schedulers"][k])
        for k, s in self.scalers.items():
            if s.is_enabled() and state.get("scalers", {}).get(k):
                s.load_state_dict(state["scalers"][k])
        rng = state["rng"]
        torch.set_rng_state(rng["torch"])
        random.setstate((rng["python"][0], tuple(rng["python"][1]), rng["python"][2]))
        n = rng["numpy"]
        np.random.set_state((n[0], n[1].numpy().astype(np.uint32), n[2], n[3], n[4]))
        if "cuda" in rng and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])
