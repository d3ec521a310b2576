"""What both stages share: the generator, DDP wrapping, checkpoints, training states, schedulers."""
import os
from collections import Counter, OrderedDict

import torch
from torch.nn.parallel import DistributedDataParallel

from common.experiment import write_checkpoint
from common.io import CheckpointError, load_checkpoint
from common.rng_state import get_state as rng_state, set_state as set_rng
from common.state_match import load_matching
from common.precision import autocast, grad_scaler, training_layout
from gdsr.archs.gdsr_arch import GDSRNet, init_weights, remap_legacy_keys
from gdsr.utils.dist import get_dist_info

G_KEYS = ("in_nc", "out_nc", "nf", "gc", "nb_e", "nb_l_1", "nb_l_2", "nb_h_1", "nb_h_2", "nb_m", "guidance", "mask")


def train_device(opt):
    """cuda:<LOCAL_RANK> when ``gpu_ids`` is set and CUDA is available, else the CPU."""
    use_cuda = bool(opt["gpu_ids"]) and torch.cuda.is_available()
    return torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if use_cuda else "cpu")


def build_generator(opt):
    g = opt["network_G"]
    return GDSRNet(scale=opt["scale"], **{k: g[k] for k in G_KEYS})


def load_weights(net, path, strict=True, what="G"):
    """Load a checkpoint (ours, the authors' plain state_dict, or BasicSR ``params``) into ``net``;
    another architecture is a CheckpointError naming the file and the first differing keys."""
    state = remap_legacy_keys(load_checkpoint(path))
    return load_matching(net, state, path, strict, f"network {what}", "check network_G / network_D in the options")


def _scheduler_state(s):
    sd = s.state_dict()
    sd["milestones"] = dict(sd["milestones"])      # Counter is not allowed by weights_only loading
    return sd


class BaseModel:
    """Generator, optimizers and schedulers; subclasses add losses and ``optimize_parameters``."""

    def __init__(self, opt):
        self.opt = opt
        self.rank, self.world = get_dist_info()
        self.device = train_device(opt)
        # forwards and losses under autocast(precision); outputs cast to fp32 before the losses
        self.precision = opt["precision"]
        self.layout = training_layout(self.precision)   # channels_last under fp16/bf16: faster (common.precision)
        self.scaler = grad_scaler(self.precision, self.device)     # a pass-through except fp16 on CUDA
        self.train_opt = opt["train"]
        self.netG = build_generator(opt)
        init_weights(self.netG, 0.1)
        if opt["path"]["pretrain_model_G"]:
            load_weights(self.netG, opt["path"]["pretrain_model_G"], opt["path"]["strict_load"])
        self.netG = self.wrap(self.netG.to(self.device, memory_format=self.layout))
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
        self.var_L = batch["LR"].to(self.device, non_blocking=True).contiguous(memory_format=self.layout)
        self.var_H = batch["HR"].to(self.device, non_blocking=True).contiguous(memory_format=self.layout)

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
            write_checkpoint(state, os.path.join(self.opt["path"]["models"], f"{label}_{name}.pth"))

    def save_training_state(self, current_iter, extra):
        """``training_states/<iter>.state``, written after the networks it names (``networks``)."""
        state = {"iter": current_iter, "optimizers": [o.state_dict() for o in self.optimizers],
                 "schedulers": [_scheduler_state(s) for s in self.schedulers], "rng": rng_state(),
                 "scaler": self.scaler.state_dict(),
                 "networks": {name: f"{current_iter}_{name}.pth" for name in self.networks()}, **extra}
        write_checkpoint(state, os.path.join(self.opt["path"]["training_states"], f"{current_iter}.state"))

    def resume_training(self, state, state_path):
        """Load the networks the state names, the optimizers, schedulers and RNG."""
        it = state["iter"]
        names = state.get("networks") or {name: f"{it}_{name}.pth" for name in self.networks()}
        models = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(state_path))), "models")
        if set(names) != set(self.networks()):
            raise CheckpointError(f"{state_path}: holds networks {', '.join(sorted(names))}, this model has "
                                  f"{', '.join(sorted(self.networks()))} (a stage-1 state cannot resume stage 2)")
        for name, net in self.networks().items():
            path = os.path.join(models, names[name])
            if not os.path.isfile(path):
                raise CheckpointError(f"{state_path}: its network file {path} is missing")
            load_weights(self.bare(net), path, strict=True, what=name)
        if len(state["optimizers"]) != len(self.optimizers):
            raise CheckpointError(f"{state_path}: holds {len(state['optimizers'])} optimizers, this model has "
                                  f"{len(self.optimizers)} (a stage-1 state cannot resume stage 2)")
        for o, sd in zip(self.optimizers, state["optimizers"]):
            o.load_state_dict(sd)
        for s, sd in zip(self.schedulers, state["schedulers"]):
            sd = dict(sd, milestones=Counter(sd["milestones"]))
            s.load_state_dict(sd)
        if state.get("scaler"):           # fp16 on CUDA: the loss scale; {} otherwise
            self.scaler.load_state_dict(state["scaler"])
        set_rng(state["rng"])
