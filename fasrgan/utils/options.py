"""FASRGAN's option files (the authors' BasicSR JSON): schema, defaults and the checks across keys.

Reading and the per-key checks are ``common.options`` (``//`` comments, unknown keys with a suggestion,
types and ranges). Missing keys take the defaults below (the authors' NoneDict read them as None).
"""
import os

from common.options import (REQUIRED, Bool, Entries, Folders, Int, List, Num, OptionError, Section, Str,
                            apply_overrides, fail, read_json, strip_comments)
from common.options import check as check_schema

__all__ = ["OptionError", "parse", "strip_comments", "TRAIN_SCHEMA", "TEST_SCHEMA"]

MODELS = ("SR", "FASRGAN", "FsSRGAN", "ESRGAN")
PRECISIONS = ("fp32", "fp16", "bf16")   # common.precision; whether the device runs it is checked at start-up
# keys of the authors' files that name the only variant implemented here (any other value is an error):
# G and E without normalisation, D with batch norm, LeakyReLU, conv-norm-act order, no grouped convolutions

_NET_G = {"which_model_G": Str("RRDB_net", choices=("RRDB_net", "RRDBNet_G")), "in_nc": Int(3, min=1),
          "out_nc": Int(3, min=1), "nf": Int(64, min=1), "nb": Int(23, min=1), "gc": Int(32, min=1),
          "norm_type": Str(None, choices=(None,)), "mode": Str("CNA", choices=("CNA",)), "group": Int(1, choices=(1,))}
_NET_E = {"which_model_ex": Str("model_ex", choices=("model_ex",)), "in_nc": Int(3, min=1), "out_nc": Int(64, min=1),
          "nf": Int(64, min=1), "nb": Int(1, min=1), "gc": Int(32, min=1), "norm_type": Str(None, choices=(None,)),
          "mode": Str("CNA", choices=("CNA",)), "group": Int(1, choices=(1,))}
_NET_D = {"which_model_D": Str("Unet", choices=("Unet", "discriminator_vgg_192_ex", "discriminator_vgg_192",
                                                 "discriminator_vgg_128")),
          "in_nc": Int(3, min=1), "nf": Int(64, min=1), "in_size": Int(None, min=1), "n_down": Int(6, min=1),
          "bn_eps_bug": Bool(False), "norm_type": Str("batch", choices=("batch",)),
          "act_type": Str("leakyrelu", choices=("leakyrelu",)), "mode": Str("CNA", choices=("CNA",))}
_DATASET = {"name": Str(None), "mode": Str("LRHR", choices=("LRHR",)), "dataroot_HR": Folders(REQUIRED),
            "dataroot_LR": Str(None), "filename_tmpl": Str("{}"), "subset_file": Str(None, choices=(None,)),
            "use_shuffle": Bool(True), "n_workers": Int(0, min=0), "batch_size": Int(16, min=1),
            "HR_size": Int(128, min=1), "use_flip": Bool(True), "use_rot": Bool(True)}
_LR, _WEIGHT = Num(1e-4, positive=True), Num(0, min=0)
_TRAIN = {"lr_G": _LR, "weight_decay_G": _WEIGHT, "beta1_G": Num(0.9, min=0), "beta2_G": Num(0.999, min=0),
          "lr_D": _LR, "weight_decay_D": _WEIGHT, "beta1_D": Num(0.9, min=0), "beta2_D": Num(0.999, min=0),
          "lr_scheme": Str("MultiStepLR", choices=("MultiStepLR", None)), "lr_steps": List([], item=Int(min=0)),
          "lr_gamma": Num(0.5, positive=True), "lr_update_before_step": Bool(False),
          "pixel_criterion": Str("l1", choices=("l1", "l2")), "pixel_weight": Num(1.0, min=0),
          "feature_criterion": Str("l1", choices=("l1", "l2")), "feature_weight": _WEIGHT,
          "feature_layer": Str("conv5_4"), "gan_type": Str("vanilla", choices=("vanilla", "lsgan")),
          "gan_weight": _WEIGHT, "atten_weight": _WEIGHT, "gan_mask_weight": _WEIGHT,
          "D_update_ratio": Int(1, min=1), "D_init_iters": Int(0, min=0), "manual_seed": Int(0, min=0),
          "niter": Int(1000, min=1), "val_freq": Int(5000, min=0)}
_LOGGER = {"print_freq": Int(200, min=1), "save_checkpoint_freq": Int(5000, min=1), "use_tb_logger": Bool(False, choices=(False,))}
_PATH_TRAIN = {"root": Str(None), "experiments_root": Str("experiments"), "pretrain_model_G": Str(None),
               "pretrain_model_D": Str(None), "pretrain_model_E": Str(None), "strict_load": Bool(True),
               "resume_state": Str(None), "vgg19": Str(None), "lpips_alex": Str(None), "lpips_linear": Str(None)}
_PATH_TEST = {"root": Str(None), "results_root": Str("results"), "pretrain_model_G": Str(None),
              "pretrain_model_E": Str(None), "strict_load": Bool(True), "lpips_alex": Str(None),
              "lpips_linear": Str(None)}
_TEST = {"tile": Int(None, min=1), "tile_overlap": Int(32, min=0), "niqe": Bool(True), "save_img": Bool(True),
         "lpips_version": Str("0.0", choices=("0.0", "0.1"))}
_COMMON = {"name": Str(REQUIRED), "model": Str("SR", choices=MODELS), "scale": Int(4, choices=(1, 2, 3, 4, 8)),
           "gpu_ids": List(None, item=Int(min=0)), "precision": Str("fp32", choices=PRECISIONS),
           "val_lpips": Bool(False), "network_G": _NET_G, "network_E": Section(_NET_E, optional=True)}

TRAIN_SCHEMA = dict(_COMMON, use_tb_logger=Bool(False, choices=(False,)),
                    datasets=Entries([("train", _DATASET), ("val", _DATASET)], "'train' or 'val'"),
                    path=_PATH_TRAIN, network_D=Section(_NET_D, optional=True), train=_TRAIN, logger=_LOGGER)
TEST_SCHEMA = dict(_COMMON, suffix=Str(""), datasets=Entries([(r"test\w*", _DATASET)], "'test_<n>'"),
                   path=_PATH_TEST, test=_TEST)


def _check(opt, path, is_train):
    if is_train and "train" not in opt["datasets"]:
        fail(path, "missing required key 'datasets.train'")
    if not is_train and not opt["datasets"]:
        fail(path, "'datasets' needs at least one test_<n> entry")
    for name, ds in opt["datasets"].items():
        ds["name"] = ds["name"] or name
    if opt["model"] == "FASRGAN" and is_train and "network_D" not in opt:
        opt["network_D"] = check_schema({}, _NET_D, path, "network_D")
    if opt["model"] == "ESRGAN" and is_train:
        opt.setdefault("network_D", check_schema({"which_model_D": "discriminator_vgg_128"}, _NET_D, path, "network_D"))
        if opt["network_D"]["which_model_D"] == "Unet":
            fail(path, "'model' ESRGAN takes a one-score discriminator (network_D.which_model_D "
                       "discriminator_vgg_128 or discriminator_vgg_192); the U-Net is FASRGAN's")
    if opt["model"] == "FsSRGAN":
        opt.setdefault("network_E", check_schema({}, _NET_E, path, "network_E"))
        if is_train and "network_D" not in opt:
            opt["network_D"] = check_schema({"which_model_D": "discriminator_vgg_192_ex", "in_nc": 64}, _NET_D, path,
                                            "network_D")


def parse(path, is_train=True, overrides=None):
    """Read, check and complete an option file (plus ``--force_opt`` ``overrides``); returns a plain dict."""
    path = os.fspath(path)
    raw = apply_overrides(read_json(path), overrides, path)
    opt = check_schema(raw, TRAIN_SCHEMA if is_train else TEST_SCHEMA, path)
    _check(opt, path, is_train)
    opt["is_train"] = is_train
    opt["opt_path"] = os.path.abspath(path)
    return opt
