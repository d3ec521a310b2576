"""GDSR's option files (the authors' old-BasicSR JSON): schema, defaults and the checks across keys.

Reading and the per-key checks are ``common.options`` (``//`` comments, unknown keys with a suggestion,
types and ranges); this file declares the schema and what depends on several keys. Relative paths are
relative to ``path.root`` (default: the current folder).
"""
import json
import os

from common.options import (REQUIRED, Bool, Entries, Folders, Int, List, Num, OptionError, Str, apply_overrides,
                            fail, read_json, strip_comments)
from common.options import check as check_schema

__all__ = ["OptionError", "parse", "dump", "read_json", "strip_comments", "TRAIN_SCHEMA", "TEST_SCHEMA"]

SCALES = (2, 3, 4, 8)
MODELS = ("DualSR_pretrain", "DualSR")
PRECISIONS = ("fp32", "fp16", "bf16")     # common.precision: fp32 (no autocast), fp16 CUDA only, bf16 native only

NETWORK_G = {
    "which_model_G": Str("DualSR_RRDB", choices=("DualSR_RRDB",)), "norm_type": Str(None, choices=(None,)),
    "mode": Str("CNA", choices=("CNA",)), "act_type": Str("leakyrelu", choices=("leakyrelu",)),
    "upsample_mode": Str("upconv", choices=("upconv",)), "in_nc": Int(3, min=1), "out_nc": Int(3, min=1),
    "nf": Int(64, min=1), "gc": Int(32, min=1), "group": Int(1, choices=(1,)), "nb_e": Int(2, min=1),
    "nb_l_1": Int(10, min=1), "nb_l_2": Int(5, min=1), "nb_h_1": Int(5, min=1), "nb_h_2": Int(10, min=1),
    "nb_m": Int(5, min=1), "guidance": Bool(True), "mask": Bool(True),
}
NETWORK_D = {
    "which_model_D": Str("discriminator_vgg_128", choices=("discriminator_vgg_128",)),
    "norm_type": Str("batch", choices=("batch",)), "act_type": Str("leakyrelu", choices=("leakyrelu",)),
    "mode": Str("CNA", choices=("CNA",)), "in_nc": Int(3, min=1), "nf": Int(64, min=1),
    "input_size": Int(None, min=1),   # None: datasets.train.HR_size
}
_LRHR = {"mode": Str("LRHR", choices=("LRHR",)), "dataroot_LR": Str(None), "filename_tmpl": Str("{}")}
DATASET_TRAIN = dict(_LRHR, **{
    "name": Str("train"), "dataroot_HR": Folders(REQUIRED), "cache_LR": Str("experiments/lr_cache", null=True),
    "use_shuffle": Bool(True), "n_workers": Int(4, min=0), "batch_size": Int(32, min=1), "HR_size": Int(128, min=1),
    "use_flip": Bool(True), "use_rot": Bool(True),
})
DATASET_EVAL = dict(_LRHR, **{
    "name": Str(REQUIRED), "dataroot_HR": Str(REQUIRED),
    "cache_LR": Str(None),      # None: LR made once per process and kept in memory (small sets)
})
DATASET_TEST = dict(DATASET_EVAL, dataroot_HR=Str(None))     # LR only: SR images and NIQE, no PSNR/SSIM
PATH_TRAIN = {
    "root": Str("."), "experiments_root": Str(None), "pretrain_model_G": Str(None), "pretrain_model_D": Str(None),
    "strict_load": Bool(True), "resume_state": Str(None), "vgg19": Str(None),
}
TRAIN = {
    "lr_G": Num(2e-4, positive=True), "weight_decay_G": Num(0.0, min=0), "beta1_G": Num(0.9, min=0),
    "beta2_G": Num(0.999, min=0),
    "lr_D": Num(1e-4, positive=True), "weight_decay_D": Num(0.0, min=0), "beta1_D": Num(0.9, min=0),
    "beta2_D": Num(0.999, min=0),
    "lr_scheme": Str("MultiStepLR", choices=("MultiStepLR",)),
    "lr_steps": List([200000, 400000, 600000, 800000], item=Int(min=0)), "lr_gamma": Num(0.5, positive=True),
    "pixel_criterion": Str("l1", choices=("l1", "l2")), "pixel_weight": Num(1.0, min=0),
    "feature_criterion": Str("l1", choices=("l1", "l2")), "feature_weight": Num(1.0, min=0),
    "feature_layer": Int(34, min=0), "cri_fea_low": Num(1.0, min=0), "cri_fea_high": Num(1.0, min=0),
    "gan_type": Str("vanilla", choices=("vanilla", "lsgan")), "gan_weight": Num(5e-3, min=0),
    "D_update_ratio": Int(1, min=1), "D_init_iters": Int(0, min=0),
    "manual_seed": Int(0, min=0, null=True), "niter": Int(1000000, min=1), "val_freq": Int(1000, min=1),
}
LOGGER = {"print_freq": Int(200, min=1), "save_checkpoint_freq": Int(1000, min=1),
          "use_tb_logger": Bool(False, choices=(False,))}     # no tensorboard: only false is accepted
TRAIN_SCHEMA = {
    "name": Str(REQUIRED), "model": Str(REQUIRED, choices=MODELS), "scale": Int(4, choices=SCALES),
    "gpu_ids": List(None, item=Int(min=0)), "precision": Str("fp32", choices=PRECISIONS),
    "use_tb_logger": Bool(False, choices=(False,)),
    "datasets": Entries([("train", DATASET_TRAIN), (r"val(_\w+)?", DATASET_EVAL)], "'train', 'val' or 'val_<n>'"),
    "path": PATH_TRAIN, "network_G": NETWORK_G, "network_D": NETWORK_D, "train": TRAIN, "logger": LOGGER,
}
TEST_OPTS = {"save_low": Bool(False), "save_high": Bool(False), "save_mask": Bool(False), "niqe": Bool(True),
             "tile": Int(None, min=1), "tile_overlap": Int(32, min=0), "crop_border": Int(None, min=0),
             "test_y_channel": Bool(True)}
PATH_TEST = {"root": Str("."), "results_root": Str(None), "pretrain_model_G": Str(REQUIRED),
             "strict_load": Bool(True)}
TEST_SCHEMA = {
    "name": Str(REQUIRED), "model": Str("DualSR", choices=("DualSR",)), "scale": Int(4, choices=SCALES),
    "gpu_ids": List(None, item=Int(min=0)), "precision": Str("fp32", choices=PRECISIONS), "suffix": Str(None),
    "datasets": Entries([(r"test(_\w+)?", DATASET_TEST)], "'test' or 'test_<n>'"), "path": PATH_TEST,
    "network_G": NETWORK_G, "test": TEST_OPTS,
}


def parse(path, is_train=True, debug=False, overrides=None):
    """Read, check and complete an option file (plus ``--force_opt`` ``overrides``); returns a plain dict with
    absolute paths."""
    path = os.fspath(path)
    raw = apply_overrides(read_json(path), overrides, path)
    opt = check_schema(raw, TRAIN_SCHEMA if is_train else TEST_SCHEMA, path)
    datasets = opt["datasets"]
    if not datasets:
        fail(path, "datasets must hold at least one dataset")
    for key, ds in datasets.items():
        if ds["dataroot_HR"] is None and ds["dataroot_LR"] is None:
            fail(path, f"datasets.{key} needs dataroot_HR, dataroot_LR or both")
    if is_train and "train" not in datasets:
        fail(path, "missing required key datasets.train")
    opt["is_train"] = is_train
    opt["opt_path"] = os.path.abspath(path)
    root = os.path.abspath(os.path.expanduser(opt["path"]["root"]))
    opt["path"]["root"] = root
    for ds in datasets.values():
        for key in ("dataroot_HR", "dataroot_LR", "cache_LR"):
            ds[key] = [_resolve(root, d) for d in ds[key]] if isinstance(ds[key], list) else _resolve(root, ds[key])
    if is_train:
        _finish_train(opt, path, root, debug)
    else:
        p = opt["path"]
        p["pretrain_model_G"] = _resolve(root, p["pretrain_model_G"])
        p["results_root"] = _resolve(root, p["results_root"]) or os.path.join(root, "results", opt["name"])
    return opt


def _resolve(root, p):
    return None if p is None else os.path.normpath(os.path.join(root, os.path.expanduser(p)))


def _finish_train(opt, path, root, debug):
    p, t, d = opt["path"], opt["train"], opt["network_D"]
    for key in ("pretrain_model_G", "pretrain_model_D", "resume_state", "vgg19", "experiments_root"):
        p[key] = _resolve(root, p[key])
    if debug and not opt["name"].startswith("debug"):
        opt["name"] = "debug_" + opt["name"]
    p["experiments_root"] = p["experiments_root"] or os.path.join(root, "experiments", opt["name"])
    for sub in ("models", "training_states", "log", "visualization"):
        p[sub] = os.path.join(p["experiments_root"], sub)
    if "debug" in opt["name"]:
        t["val_freq"], opt["logger"]["print_freq"], opt["logger"]["save_checkpoint_freq"] = 8, 1, 8
    tr = opt["datasets"]["train"]
    if tr["HR_size"] % opt["scale"]:
        fail(path, f"datasets.train.HR_size must be a multiple of the scale {opt['scale']}, got {tr['HR_size']}")
    if opt["model"] == "DualSR":
        d["input_size"] = d["input_size"] or tr["HR_size"]
        if d["input_size"] != tr["HR_size"]:
            fail(path, f"network_D.input_size ({d['input_size']}) must equal datasets.train.HR_size ({tr['HR_size']})")
        if tr["HR_size"] % 32:
            fail(path, f"the VGG-128 discriminator needs datasets.train.HR_size to be a multiple of 32, "
                       f"got {tr['HR_size']}")
        if t["feature_weight"] > 0 and not p["vgg19"]:
            fail(path, "path.vgg19 must name a VGG19 weights file (torchvision's vgg19-dcbb9e9d.pth) when "
                       "train.feature_weight > 0")


def dump(opt):
    """The completed options as indented JSON text."""
    return json.dumps(opt, indent=2)
