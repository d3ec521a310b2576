"""One real training iteration of every method, built from each package's own training code.

``build(method, batch, lr_patch, device, precision, channels_last, compile)`` returns
``(step_fn, forward_flops)``; calling ``step_fn()`` runs the next iteration on a fixed random batch:

* JTF-SISR: ``jtf_sisr.trainer.Trainer.train`` over a one-batch loader (network ``model`` at its default
  size, ``Loss`` with the default terms, Adam), HR patch = 4 x ``lr_patch``;
* GDSR: ``DualSRModel.optimize_parameters`` (stage 2, RaGAN) of train_GDSR.json's networks;
* DARSR: one joint ``Learner.step`` of the fast preset at x2 (SRFBN-S frozen, a fresh frozen DSEM), its
  batch drawn by ``PatchSampler`` from a synthetic LR image; ``lr_patch`` is ``input_crop_size``;
* FASRGAN / Fs-SRGAN: ``optimize_parameters`` of train_FASRGAN.json / train_FsSRGAN.json's networks;
* DGPNet: ``DGPNetModel.optimize`` of train_DGPNet_x4.json's network.

The option files are parsed by each package's own parser, then the patch, batch, device and precision
are set; pretrained-weight paths are dropped (random init) and the perceptual weight is 0 (the VGG19
file is absent). ``channels_last`` converts every network of the iteration and its inputs; off, the
networks stay as the package builds them (DARSR's SRFBN-S is channels_last there either way).
``compile`` (JTF-SISR only) wraps the training forward in ``torch.compile`` as ``--compile on`` does.

FLOPs convention: ``forward_flops`` is what benchmarks.model_stats counts (2 x multiply-accumulates of
conv and linear modules) over every network forward one iteration runs: the generator(s) and, for GAN
stages, each discriminator pass, no-grad ones included (DARSR: also its frozen SRFBN-S and DSEM passes;
its G applies one composed 13x13 kernel through F.conv2d, not counted and negligible; DGPNet: each
DGConv as the one convolution of merged weights its training forward runs). Training FLOPs are taken
as 3 x forward FLOPs (backward about twice the forward), which over-counts passes that need no weight
gradient or no backward (frozen networks, no-grad scores): measured with per-layer accounting at the
CPU bench sizes, 1.43x too many for DARSR, 1.17x for FASRGAN and Fs-SRGAN, 1.06x for GDSR, exact for
JTF-SISR and DGPNet.
Building runs one iteration, with the counting hooks on, which also serves as the warm-up.
"""
import os
from types import SimpleNamespace

import numpy as np
import torch

from benchmarks.model_stats import _layer_flops, count_flops
from common.precision import check

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHODS = ("JTF-SISR", "GDSR", "DARSR", "FASRGAN", "Fs-SRGAN", "DGPNet")


class TrainingStep:
    """Callable running one training iteration; ``networks`` are the modules the iteration trains or uses."""

    def __init__(self, run, networks):
        self.run, self.networks = run, networks

    def __call__(self):
        self.run()


def _layout(tensor, channels_last):
    return tensor.contiguous(memory_format=torch.channels_last) if channels_last else tensor


def _to_channels_last(networks):
    for net in networks.values():
        net.to(memory_format=torch.channels_last)


def _random_pair(batch, lr_patch, scale, device, channels_last, value_range=1.0):
    """A fixed random LR batch and an HR batch ``scale`` times larger, in [0, value_range]."""
    g = torch.Generator().manual_seed(0)
    lr = torch.rand(batch, 3, lr_patch, lr_patch, generator=g) * value_range
    hr = torch.rand(batch, 3, lr_patch * scale, lr_patch * scale, generator=g) * value_range
    return _layout(lr.to(device), channels_last), _layout(hr.to(device), channels_last)


def count_iteration_flops(step, networks):
    """Run ``step`` once with model_stats' FLOP rule hooked on every conv and linear layer of ``networks``;
    returns the FLOPs of all the forward passes it made."""
    total = [0]

    def hook(module, args, output):
        total[0] += _layer_flops(module, args, output)

    layers = {id(m): m for net in networks.values() for m in net.modules()
              if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear))}
    handles = [m.register_forward_hook(hook) for m in layers.values()]
    try:
        step()
    finally:
        for h in handles:
            h.remove()
    return total[0]


def _finish(run, networks):
    """(TrainingStep, forward FLOPs), after the counting iteration."""
    step = TrainingStep(run, networks)
    return step, count_iteration_flops(step, networks)


def jtf_sisr_step(batch, lr_patch, device="cpu", precision="fp32", channels_last=False, compile=False):
    from jtf_sisr.loss import Loss
    from jtf_sisr.model import Model
    from jtf_sisr.option import build_parser, finalize
    from jtf_sisr.trainer import Trainer

    scale = 4
    args = finalize(build_parser().parse_args(["--scale", str(scale), "--patch_size", str(lr_patch * scale),
                                               "--batch_size", str(batch), "--precision", precision]))
    args.precision = check(args.precision, device)
    model = Model(args).to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    lr, hr = _random_pair(batch, lr_patch, scale, device, channels_last, value_range=args.rgb_range)
    # the trainer's epoch loop over a loader of one batch is exactly one iteration (then the
    # scheduler step and the per-epoch loss log, both negligible)
    data = SimpleNamespace(loader_train=[(lr, hr)], loader_test=[], set_epoch=lambda epoch: None)
    exp = SimpleNamespace(write_log=lambda text: None)
    trainer = Trainer(args, data, model, Loss(args), exp, model, device)
    step, flops = _finish(trainer.train, {"G": model})
    if compile:
        trainer.train_model = torch.compile(model)
    return step, flops


def gdsr_step(batch, lr_patch, device="cpu", precision="fp32", channels_last=False, compile=False):
    from gdsr.models import create_model
    from gdsr.utils.options import parse

    opt = parse(os.path.join(REPO, "gdsr", "options", "train", "train_GDSR.json"), is_train=True)
    hr_size = lr_patch * opt["scale"]
    opt["gpu_ids"] = [0] if torch.device(device).type == "cuda" else None
    opt["precision"] = check(precision, device)
    opt["path"]["pretrain_model_G"] = opt["path"]["pretrain_model_D"] = None
    opt["train"]["feature_weight"] = 0.0
    opt["datasets"]["train"].update(batch_size=batch, HR_size=hr_size)
    opt["network_D"]["input_size"] = hr_size
    model = create_model(opt)
    networks = {"G": model.netG, "D": model.netD}
    if channels_last:
        _to_channels_last(networks)
    lr, hr = _random_pair(batch, lr_patch, opt["scale"], device, channels_last)
    return _finish(_basicsr_iteration(model, lr, hr), networks)


def _basicsr_iteration(model, lr, hr):
    """A function running one iteration of a BasicSR-style model (feed_data, optimize_parameters with the
    iteration count, update_learning_rate) on the fixed batch ``lr``, ``hr``."""
    it = [0]

    def run():
        it[0] += 1
        model.feed_data({"LR": lr, "HR": hr})
        model.optimize_parameters(it[0])
        model.update_learning_rate()

    return run


def _fasrgan_step(option_file, batch, lr_patch, device, precision, channels_last):
    from fasrgan.models import create_model
    from fasrgan.utils.options import parse

    opt = parse(os.path.join(REPO, "fasrgan", "options", "train", option_file), is_train=True)
    opt["precision"] = check(precision, device)
    for key in ("pretrain_model_G", "pretrain_model_D", "pretrain_model_E"):
        opt["path"][key] = None
    opt["train"]["feature_weight"] = 0
    opt["datasets"]["train"].update(batch_size=batch, HR_size=lr_patch * opt["scale"])
    model = create_model(opt, torch.device(device))
    if channels_last:
        _to_channels_last(model.nets)
    lr, hr = _random_pair(batch, lr_patch, opt["scale"], device, channels_last)
    return _finish(_basicsr_iteration(model, lr, hr), model.nets)


def fasrgan_step(batch, lr_patch, device="cpu", precision="fp32", channels_last=False, compile=False):
    return _fasrgan_step("train_FASRGAN.json", batch, lr_patch, device, precision, channels_last)


def fs_srgan_step(batch, lr_patch, device="cpu", precision="fp32", channels_last=False, compile=False):
    return _fasrgan_step("train_FsSRGAN.json", batch, lr_patch, device, precision, channels_last)


def dgpnet_step(batch, lr_patch, device="cpu", precision="fp32", channels_last=False, compile=False):
    from dgpnet.archs.reparam import fuse
    from dgpnet.models import DGPNetModel
    from dgpnet.utils.options import parse_options

    opt = parse_options(os.path.join(REPO, "dgpnet", "options", "train", "train_DGPNet_x4.json"), is_train=True)
    opt["num_gpu"] = 1 if torch.device(device).type == "cuda" else 0
    opt["precision"] = check(precision, device)
    model = DGPNetModel(opt)
    networks = {"G": model.net_g}
    if channels_last:
        _to_channels_last(networks)
    lq, gt = _random_pair(batch, lr_patch, opt["scale"], device, channels_last)
    it = [0]

    def run():
        it[0] += 1
        model.optimize({"lq": lq, "gt": gt}, it[0])

    step = TrainingStep(run, networks)
    step()          # the warm-up; the hooks would miss DGConv, whose forward is one F.conv2d of merged weights,
    # so the FLOPs are those of the fused copy (every DGConv as that nn.Conv2d)
    return step, count_flops(fuse(model.net_g), lq)


def darsr_step(batch, lr_patch, device="cpu", precision="fp32", channels_last=False, compile=False):
    from darsr import api
    from darsr.data import PatchSampler
    from darsr.learner import Learner
    from darsr.networks import DSEM
    from darsr.options import make_config

    conf = make_config(scale_factor=2, preset="fast", seed=0, device=device, precision=check(precision, device),
                       batch_size=batch, input_crop_size=lr_patch)
    side = max(128, conf.input_crop_size + 40)
    image = np.random.default_rng(0).integers(0, 256, (side, side, 3), dtype=np.uint8)   # the synthetic LR image
    sampler = PatchSampler(image, 2, conf.input_crop_size, seed=0, device=device, name="synthetic")
    dsem = DSEM().to(device).eval().requires_grad_(False)         # what stage A hands over: frozen
    learner = Learner(conf, api.load("srfbn_s", 2, device=device), dsem, device)
    networks = {"G": learner.G, "DARM": learner.darm, "SRFBN-S": learner.sr, "D": learner.D, "DSEM": learner.dsem}
    if channels_last:
        _to_channels_last(networks)
    it = [0]

    def run():
        b = {k: _layout(v, channels_last) for k, v in sampler.sample(conf.batch_size).items()}
        learner.step(b, it[0])
        it[0] += 1

    return _finish(run, networks)


BUILDERS = {"JTF-SISR": jtf_sisr_step, "GDSR": gdsr_step, "DARSR": darsr_step, "FASRGAN": fasrgan_step,
            "Fs-SRGAN": fs_srgan_step, "DGPNet": dgpnet_step}


def describe(method, batch, lr_patch):
    """The batch and patch of a step in words, e.g. 'batch 8, LR 24 (HR 96)'."""
    if method == "DARSR":
        return f"batch {batch}, crop {lr_patch} (x2 on a synthetic LR)"
    return f"batch {batch}, LR {lr_patch} (HR {4 * lr_patch})"


def build(method, batch, lr_patch, device="cpu", precision="fp32", channels_last=False, compile=False):
    """(step_fn, forward_flops) of one training iteration of ``method`` (see the module docstring);
    a precision the device cannot run is a common.precision.PrecisionError."""
    if method not in BUILDERS:
        raise ValueError(f"unknown method {method!r} (choose from {', '.join(METHODS)})")
    if compile and method != "JTF-SISR":
        raise ValueError(f"{method}: compile is offered for JTF-SISR only")
    torch.manual_seed(0)
    return BUILDERS[method](batch, lr_patch, device, precision, channels_last, compile)
