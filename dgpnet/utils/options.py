"""DGPNet's option files (BasicSR's keys, JSON with ``//`` comments): schema, defaults, cross-key checks.

Reading and the per-key checks are ``common.options`` (unknown keys with a suggestion, types and
ranges); ``network_g`` is checked against the signature of the architecture it names.
"""
import copy
import inspect
import json
import os

from common.options import (REQUIRED, Any, Bool, Entries, Field, Folders, Int, List, Num, OptionError, Str,
                            apply_overrides, fail, read_json, strip_comments)
from common.options import check as check_schema
from common.precision import PrecisionError, normalise

__all__ = ["OptionError", "REQUIRED", "load_json", "parse_options", "apply_overrides", "dataset_schema",
           "strip_comments"]

SCALES = (1, 2, 3, 4, 8)

_DATASET = {
    "name": Str(REQUIRED), "type": Str("PairedImageDataset", choices=("PairedImageDataset", "BicubicImageDataset",
                                                                      "RealDegradationDataset", "SingleImageDataset")),
    "layout": Str("folders"), "dataroot": Str(None), "dataroot_gt": Folders(None), "dataroot_lq": Str(None),
    "filename_tmpl": Str("{}"), "io_backend": {"type": Str("disk", choices=("disk",))}, "gt_size": Int(192, min=1),
    "use_hflip": Bool(True), "use_rot": Bool(True), "num_worker_per_gpu": Int(4, min=0),
    "batch_size_per_gpu": Int(16, min=1), "dataset_enlarge_ratio": Int(1, min=1), "prefetch_mode": Str(None, choices=(None,)),
    "cache": Bool(False), "gt_usm": Bool(False), "lq_at_hr_size": Field("any", "auto", choices=("auto", True, False)),
}

_METRIC = {"type": Str(REQUIRED, choices=("calculate_psnr", "calculate_ssim")), "crop_border": Int(None, min=0),
           "test_y_channel": Bool(True)}
_METRICS = Entries([(r".+", _METRIC)], "a metric name")

_COMMON = {
    "name": Str(REQUIRED), "model_type": Str("DGPNetModel", choices=("DGPNetModel", "DGPNetGANModel")),
    "scale": Int(4, choices=SCALES), "num_gpu": Int(0, min=0), "manual_seed": Int(0, min=0),
    "precision": Str("fp32"),
    "path": {"pretrain_network_g": Str(None), "param_key_g": Str("auto"), "strict_load_g": Bool(True),
             "pretrain_network_d": Str(None), "strict_load_d": Bool(True), "resume_state": Str(None), "experiments_root": Str(None), "results_root": Str(None)},
    "dist_params": {"backend": Str(None, choices=(None, "gloo", "nccl")), "port": Int(29500, min=1)},
}

TRAIN_SCHEMA = dict(copy.deepcopy(_COMMON), **{
    "datasets": Entries([("train", _DATASET), (r"val(_\w+)?", _DATASET)], "'train', 'val' or 'val_<n>'"),
    "train": {
        "ema_decay": Num(0, min=0), "total_iter": Int(REQUIRED, min=1), "warmup_iter": Int(-1, min=-1),
        "optim_g": {"type": Str("Adam", choices=("Adam", "AdamW")), "lr": Num(2e-4, positive=True),
                    "weight_decay": Num(0, min=0), "betas": List([0.9, 0.99], item=Num(min=0))},
        "scheduler": {"type": Str("MultiStepLR", choices=("MultiStepLR", "CosineAnnealingLR")),
                      "milestones": List([], item=Int(min=0)), "gamma": Num(0.5, positive=True),
                      "periods": Int(None, min=1), "eta_min": Num(1e-7, min=0)},
        "pixel_opt": {"type": Str("L1Loss"), "loss_weight": Num(1.0, min=0), "reduction": Str("mean"),
                      "eps": Num(1e-12, min=0)},
        # DGPNetGANModel only: the discriminator's optimizer, the adversarial term, D steps per G step
        "optim_d": {"type": Str("Adam", choices=("Adam", "AdamW")), "lr": Num(1e-4, positive=True),
                    "weight_decay": Num(0, min=0), "betas": List([0.9, 0.99], item=Num(min=0))},
        "gan_opt": {"type": Str("GANLoss", choices=("GANLoss",)), "gan_type": Str("vanilla", choices=("vanilla", "lsgan")),
                    "real_label_val": Num(1.0), "fake_label_val": Num(0.0), "loss_weight": Num(0.1, min=0)},
        "net_d_iters": Int(1, min=1), "net_d_init_iters": Int(0, min=0),
    },
    "network_d": {"type": Str("UNetDiscriminatorSN", choices=("UNetDiscriminatorSN",)), "num_in_ch": Int(3, min=1),
                  "num_feat": Int(64, min=1), "skip_connection": Bool(True)},
    "val": {"val_freq": Int(5000, min=1), "save_img": Bool(False), "suffix": Str(None), "pbar": Bool(False),
            "tile": Int(None, min=1), "tile_overlap": Int(32, min=0), "metrics": _METRICS},
    "logger": {"print_freq": Int(100, min=1), "save_checkpoint_freq": Int(5000, min=1), "use_tb_logger": Bool(False, choices=(False,)),
               "use_tqdm": Bool(True)},
})

TEST_SCHEMA = dict(copy.deepcopy(_COMMON), **{
    "datasets": Entries([(r"(test|val)(_\w+)?", _DATASET)], "'test', 'test_<n>', 'val' or 'val_<n>'"),
    "val": {"save_img": Bool(True), "suffix": Str(None), "pbar": Bool(True), "tile": Int(None, min=1),
            "tile_overlap": Int(32, min=0), "metrics": _METRICS},
})


def load_json(path):
    """Read an option file (``//`` comments allowed); see common.options."""
    return read_json(path)


def dataset_schema():
    """A dataset's options with every default filled in (``name`` is 'dataset')."""
    return check_schema({"name": "dataset"}, _DATASET, "<defaults>")


def _field(default):
    """A Field typed by an architecture argument's default value."""
    if isinstance(default, bool):
        return Bool(default)
    if isinstance(default, int):
        return Int(default)
    if isinstance(default, float):
        return Num(default)
    if isinstance(default, str):
        return Str(default)
    return Any(default)


def _check_network(net, path):
    """``network_g`` checked against the signature of the architecture named by its ``type``."""
    from dgpnet.archs import ARCHS

    if not isinstance(net, dict):
        fail(path, "'network_g' must be an object")
    kind = net.get("type", "DGPNet")
    if kind not in ARCHS:
        fail(path, f"'network_g.type' must be one of {', '.join(ARCHS)}, got {json.dumps(kind)}")
    params = inspect.signature(ARCHS[kind]).parameters
    schema = {"type": Str("DGPNet")}
    schema.update({k: _field(p.default) for k, p in params.items() if p.default is not inspect.Parameter.empty})
    for k in ("num_in_ch", "num_out_ch", "num_feat", "num_block", "reduction", "idg_refs"):
        if k in schema:
            schema[k] = Int(params[k].default, min=1)
    if kind != "DGPNet":
        schema["dgconv"] = Bool(False)   # convert the network's 3x3 convolutions to DGConv
    given = check_schema(net, schema, path, "network_g")
    return {k: v for k, v in given.items() if k in net or k == "type"}


def parse_options(path, is_train=True, debug=False, overrides=None):
    """Load, check and complete an options file (plus ``overrides``); returns a plain dict."""
    path = os.fspath(path)
    raw = apply_overrides(load_json(path), overrides, path)
    schema = TRAIN_SCHEMA if is_train else TEST_SCHEMA
    net = raw.pop("network_g", {"type": "DGPNet"})
    opt = check_schema(raw, schema, path)
    opt["network_g"] = _check_network(net, path)
    try:
        opt["precision"] = normalise(opt["precision"])
    except PrecisionError:
        fail(path, f"'precision' must be fp32, fp16 or bf16, got {json.dumps(opt['precision'])}")
    if not opt["datasets"]:
        fail(path, "'datasets' must be a non-empty object")
    for phase, ds in opt["datasets"].items():
        ds["phase"] = "train" if phase == "train" else "val"
        ds["scale"] = opt["scale"]
    if is_train and "train" not in opt["datasets"]:
        fail(path, "missing required key 'datasets.train'")
    for m in opt["val"]["metrics"].values():
        if m["crop_border"] is None:
            m["crop_border"] = opt["scale"]
    if opt["network_g"].get("upscale", opt["scale"]) != opt["scale"]:
        fail(path, f"'network_g.upscale' ({opt['network_g']['upscale']}) differs from 'scale' ({opt['scale']})")
    opt["network_g"]["upscale"] = opt["scale"]
    opt["is_train"], opt["opt_path"] = is_train, os.path.abspath(path)
    if debug and is_train:
        opt["name"] = opt["name"] if opt["name"].startswith("debug") else "debug_" + opt["name"]
    if is_train and opt["name"].startswith("debug"):
        opt["val"]["val_freq"] = 8
        opt["logger"]["print_freq"] = 1
        opt["logger"]["save_checkpoint_freq"] = 8
    return opt
