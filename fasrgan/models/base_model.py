"""What every training procedure shares: networks by name, DDP wrapping under torchrun, optimizers,
schedulers, mixed precision (``precision`` option, common.precision), checkpoints and resume."""
import os

import torch
from torch.nn.parallel import DistributedDataParallel

from common.experiment import write_checkpoint
from common.io import CheckpointError, load_checkpoint
from common.rng_state import get_state as get_rng_state, set_state as set_rng_state
from common.state_match import load_matching
from common.precision import autocast, grad_scaler, training_layout
from fasrgan.models.networks import network_state


class BaseModel:
    """Subclasses fill ``self.nets`` ({'G': ..., 'D': ..., 'E': ...}), ``self.optimizers`` and
    implement ``optimize_parameters(step)`` returning a dict of logged floats.

    Forward passes and losses run under ``self.autocast()``; network outputs are cast to float32
    before the losses, so losses, metrics and optimizer state stay fp32. Under torchrun a training
    forward pass goes through ``self.net(name)``, the network wrapped in DistributedDataParallel
    (gradients averaged in backward); a frozen network's forward uses the bare ``self.nets[name]``,
    so that DDP only sees the passes whose gradients it reduces."""

    def __init__(self, opt, device, rank=0, world=1):
        self.opt, self.device, self.rank, self.world = opt, device, rank, world
        self.is_train = opt["is_train"]
        self.precision = opt.get("precision", "fp32")
        self.layout = training_layout(self.precision)   # channels_last under fp16/bf16: faster (common.precision)
        self.nets, self.ddp, self.optimizers, self.schedulers, self.scalers = {}, {}, {}, {}, {}
        self.models_dir = None

    # -- set-up helpers -------------------------------------------------------------------
    def _finish_nets(self):
        for name, net in self.nets.items():
            net.to(self.device, memory_format=self.layout)
            if self.world > 1 and self.is_train:     # DDP starts every process from rank 0's weights
                ids = [self.device.index] if self.device.type == "cuda" else None
                self.ddp[name] = DistributedDataParallel(net, device_ids=ids)

    def net(self, name):
        """Network ``name`` for a training forward pass: DDP-wrapped under torchrun, else the network."""
        return self.ddp.get(name, self.nets[name])

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
        """Backward (loss-scaled for fp16; DDP averages the gradients over processes), optimizer step
        (skipped by the scaler when fp16 gradients overflowed)."""
        opt, scaler = self.optimizers[name], self.scalers[name]
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()

    @staticmethod
    def set_requires_grad(net, flag):
        for p in net.parameters():
            p.requires_grad = flag

    # -- data / inference -------------------------------------------------------------------
    def feed_data(self, data):
        self.lr = data["LR"].to(self.device).contiguous(memory_format=self.layout)
        self.hr = data["HR"].to(self.device).contiguous(memory_format=self.layout) if "HR" in data else None

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
        """models/net_<X>_<iter>.pth as {'params': state_dict} (authors' key names inside); returns
        {X: file name} for the training state's manifest."""
        names = {}
        for name, net in self.nets.items():
            names[name] = f"net_{name}_{it}.pth"
            write_checkpoint({"params": network_state(net)}, os.path.join(models_dir, names[name]))
        return names

    def load_nets(self, models_dir, names, state_path=None):
        """Load ``names`` ({X: file name in models_dir}); another architecture names the file and the keys."""
        for name, net in self.nets.items():
            if name not in names:
                raise CheckpointError(f"{state_path}: names no net_{name} (a state of another model?)")
            path = os.path.join(models_dir, names[name])
            if not os.path.isfile(path):
                raise CheckpointError(f"{state_path or path}: its network file {path} is missing")
            load_matching(net, load_checkpoint(path), path, True, f"net_{name}", "check the networks in the options")

    def save_training_state(self, epoch, it, path, extra=None, networks=None):
        """The training state, written after the networks it names (``networks``)."""
        state = {
            "epoch": epoch, "iter": it, "networks": networks or {},
            "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
            "schedulers": {k: s.state_dict() for k, s in self.schedulers.items()},
            "scalers": {k: s.state_dict() for k, s in self.scalers.items()},   # {} unless fp16 on CUDA
            "rng": get_rng_state(),
            "extra": extra or {},
        }
        write_checkpoint(state, path)

    def resume_training(self, state, state_path):
        """Networks named by the state (``<experiment>/models``), optimizers, schedulers, scalers and RNG."""
        it = int(state["iter"])
        models = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(state_path))), "models")
        names = state.get("networks") or {name: f"net_{name}_{it}.pth" for name in self.nets}
        self.load_nets(models, names, state_path)
        if set(state["optimizers"]) != set(self.optimizers):
            raise CheckpointError(f"{state_path}: holds optimizers {', '.join(sorted(state['optimizers']))}, "
                                  f"this model has {', '.join(sorted(self.optimizers))}")
        for k, o in self.optimizers.items():
            o.load_state_dict(state["optimizers"][k])
        for k, s in self.schedulers.items():
            s.load_state_dict(state["schedulers"][k])
        for k, s in self.scalers.items():
            if s.is_enabled() and state.get("scalers", {}).get(k):
                s.load_state_dict(state["scalers"][k])
        set_rng_state(state["rng"])
