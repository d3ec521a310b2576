"""What both stages share: the generator, DDP wrapping, checkpoints, training states, schedulers."""
import os
import random
from collections import Counter, OrderedDict

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from common.io import load_checkpoint, save_checkpoint
from common.precision import autocast, grad_scaler
from gdsr.archs.gdsr_arch import GDSRNet, init_weights, remap_legacy_keys
from gdsr.utils.dist import get_dist_info

G_KEYS = ("in_nc", "out_nc", "nf", "gc", "nb_e", "nb_l_1", "nb_l_2", "nb_h_1", "nb_h_2", "nb_m")


def train_device(opt):
    """cuda:<LOCAL_RANK> when ``gpu_ids`` is set and CUDA is available, else the CPU."""
    use_cuda = bool(opt["gpu_ids"]) and torch.cuda.is_available()
    return torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if use_cuda else "cpu")


def build_generator(opt):
    g = opt["network_G"]
    return GDSRNet(scale=opt["scale"], **{k: g[k] for k in G_KEYS})


def load_weights(net, path, strict=True, what="G"):
    """Load a checkpoint (ours, the authors' plain state_dict, or BasicSR ``params``) into ``net``;
    a key or shape mismatch is a ValueError naming the file and the first differing keys."""
    state = remap_legacy_keys(load_checkpoint(path))
    own = net.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if shapes:
        k = shapes[0]
        raise ValueError(f"{path}: {len(shapes)} tensors of {what} have other shapes, e.g. {k} "
                         f"{tuple(state[k].shape)} vs {tuple(own[k].shape)} (check network_G)")
    if strict and (missing or unexpected):
        raise ValueError(f"{path}: does not fit {what} strictly: {len(missing)} missing "
                         f"({', '.join(missing[:2])}), {len(unexpected)} unexpected ({', '.join(unexpected[:2])})")
    net.load_state_dict(state, strict=strict)
    return missing, unexpected


def _scheduler_state(s):
    sd = s.state_dict()
    sd["milestones"] = dict(sd["milestones"])      # Counter is not allowed by weights_only loading
    return sd


def _numpy_rng():
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos), "has_gauss": int(has_gauss),
            "cached": float(cached)}


def rng_state():
    return {"python": random.getstate(), "numpy": _numpy_rng(), "torch": torch.get_rng_state()}


def set_rng(state):
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    n = state["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"]))
    torch.set_rng_state(state["torch"])


class BaseModel:
    """Generator, optimizers and schedulers; subclasses add losses and ``optimize_parameters``."""

    def __init__(self, opt):
        self.opt = opt
        self.rank, self.world = get_dist_info()
        self.device = train_device(opt)
        # forwards and losses under autocast(precision); outputs cast to fp32 before the losses
        self.precision = opt["precision"]
        self.scaler = grad_scaler(self.precision, self.device)     # a pass-through except fp16 on CUDA
        self.train_opt = opt["train"]
        self.netG = build_generator(opt)
        init_weights(self.netG, 0.1)
        if opt["path"]["pretrain_model_G"]:
            load_weights(self.netG, opt["path"]["pretrain_model_G"], opt["path"]["strict_load"])
        self.netG = self.wrap(self.netG.to(self.device))
        self.netG.train()
        self.optimizers, self.schedulers = [], []
        self.log_dict = OrderedDict()

    def wrap(self, net):
        if self.world > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            return DistributedDataParallel(net, device_ids=ids)
        return net

    @staticmethod
    def bare(net):
        return net.module if isinstance(net, DistributedDataParallel) else net

    def make_scheduler(self, optimizer):
        t = self.train_opt
        self.optimizers.append(optimizer)
        self.schedulers.append(torch.optim.lr_scheduler.MultiStepLR(optimizer, t["lr_steps"], t["lr_gamma"]))

    def feed_data(self, batch):
        self.var_L = batch["LR"].to(self.device, non_blocking=True)
        self.var_H = batch["HR"].to(self.device, non_blocking=True)

    def update_learning_rate(self):
        # stepped after the optimizers (current PyTorch order; the authors stepped before)
        for s in self.schedulers:
            s.step()

    def current_learning_rates(self):
        return [o.param_groups[0]["lr"] for o in self.optimizers]

    def get_current_log(self):
        return self.log_dict

    @torch.no_grad()
    def test(self, lr):
        """All outputs of the generator for a 1x3xhxw LR tensor (eval mode, then back to train), as fp32."""
        net = self.bare(self.netG)
        net.eval()
        with autocast(self.precision, self.device):
            out = net.forward_all(lr.to(self.device))
        net.train()
        return {k: v.float() for k, v in out.items()}

    def networks(self):
        return {"G": self.netG}

    def save(self, label):
        """``models/<label>_G.pth`` (and ``_D``): plain state dicts, the authors' format."""
        for name, net in self.networks().items():
            state = {k: v.detach().cpu() for k, v in self.bare(net).state_dict().items()}
            save_checkpoint(state, os.path.join(self.opt["path"]["models"], f"{label}_{name}.pth"))

    def save_training_state(self, current_iter, extra):
        state = {"iter": current_iter, "optimizers": [o.state_dict() for o in self.optimizers],
                 "schedulers": [_scheduler_state(s) for s in self.schedulers], "rng": rng_state(),
                 "scaler": self.scaler.state_dict(), **extra}
        save_checkpoint(state, os.path.join(self.opt["path"]["training_states"], f"{current_iter}.state"))

    def resume_training(self, state, state_path):
        """Load the networks saved at the state's iteration, the optimizers, schedulers and RNG."""
        it = state["iter"]
        for name, net in self.networks().items():
            path = os.path.join(self.opt["path"]["models"], f"{it}_{name}.pth")
            load_weights(self.bare(net), path, strict=True, what=name)
        if len(state["optimizers"]) != len(self.optimizers):
            raise ValueError(f"{state_path}: holds {len(state['optimizers'])} optimizers, this model has "
                             f"{len(self.optimizers)} (a stage-1 state cannot resume stage 2)")
        for o, sd in zip(self.optimizers, state["optimizers"]):
            o.load_state_dict(sd)
        for s, sd in zip(self.schedulers, state["schedulers"]):
            sd = dict(sd, milestones=Counter(sd["milestones"]))
            s.load_state_dict(sd)
        if state.get("scaler"):           # fp16 on CUDA: the loss scale; {} otherwise
            self.scaler.load_state_dict(state["scaler"])
        set_rng(state["rng"])
