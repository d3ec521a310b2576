"""JSON options with ``//`` comments (the authors' BasicSR format), checked against a schema.

Every section has a fixed set of keys with defaults; an unknown or misspelled key is an
:class:`OptionError` naming it (with the closest valid key). Missing keys take their default
(the authors' NoneDict read them as None).
"""
import copy
import difflib
import json
import os


class OptionError(ValueError):
    """Invalid option file; the message names the file and the key."""


_NET_G = {"which_model_G": "RRDB_net", "in_nc": 3, "out_nc": 3, "nf": 64, "nb": 23, "gc": 32,
          "norm_type": None, "mode": "CNA", "group": 1}
_NET_E = {"which_model_ex": "model_ex", "in_nc": 3, "out_nc": 64, "nf": 64, "nb": 1, "gc": 32,
          "norm_type": None, "mode": "CNA", "group": 1}
_NET_D = {"which_model_D": "Unet", "in_nc": 3, "nf": 64, "in_size": None, "n_down": 6, "bn_eps_bug": False,
          "norm_type": "batch", "act_type": "leakyrelu", "mode": "CNA"}
_DATASET = {"name": None, "mode": "LRHR", "dataroot_HR": None, "dataroot_LR": None, "filename_tmpl": "{}",
            "subset_file": None, "use_shuffle": True, "n_workers": 0, "batch_size": 16, "HR_size": 128,
            "use_flip": True, "use_rot": True}
_TRAIN = {"lr_G": 1e-4, "weight_decay_G": 0, "beta1_G": 0.9, "beta2_G": 0.999,
          "lr_D": 1e-4, "weight_decay_D": 0, "beta1_D": 0.9, "beta2_D": 0.999,
          "lr_scheme": "MultiStepLR", "lr_steps": [], "lr_gamma": 0.5, "lr_update_before_step": False,
          "pixel_criterion": "l1", "pixel_weight": 1.0, "feature_criterion": "l1", "feature_weight": 0,
          "feature_layer": "conv5_4", "gan_type": "vanilla", "gan_weight": 0, "atten_weight": 0,
          "gan_mask_weight": 0, "D_update_ratio": 1, "D_init_iters": 0, "manual_seed": 0, "niter": 1000,
          "val_freq": 5000}
_LOGGER = {"print_freq": 200, "save_checkpoint_freq": 5000, "use_tb_logger": False}
_PATH_TRAIN = {"root": None, "experiments_root": "experiments", "pretrain_model_G": None,
               "pretrain_model_D": None, "pretrain_model_E": None, "strict_load": True, "resume_state": None,
               "vgg19": None, "lpips_alex": None, "lpips_linear": None}
_PATH_TEST = {"root": None, "results_root": "results", "pretrain_model_G": None, "pretrain_model_E": None,
              "strict_load": True, "lpips_alex": None, "lpips_linear": None}
_TEST = {"tile": None, "tile_overlap": 32, "niqe": True, "save_img": True, "lpips_version": "0.0"}

TRAIN_SCHEMA = {"name": None, "model": "SR", "scale": 4, "gpu_ids": None, "precision": "fp32",
                "use_tb_logger": False, "val_lpips": False, "datasets": {"train": _DATASET, "val": _DATASET},
                "path": _PATH_TRAIN, "network_G": _NET_G, "network_D": _NET_D, "network_E": _NET_E,
                "train": _TRAIN, "logger": _LOGGER}
TEST_SCHEMA = {"name": None, "suffix": "", "model": "SR", "scale": 4, "gpu_ids": None, "precision": "fp32",
               "val_lpips": False,
               "datasets": {"test_*": _DATASET}, "path": _PATH_TEST, "network_G": _NET_G,
               "network_E": _NET_E, "test": _TEST}

MODELS = ("SR", "FASRGAN", "FsSRGAN")
PRECISIONS = ("fp32", "fp16", "bf16")   # common.precision; whether the device runs it is checked at start-up
_OPTIONAL_SECTIONS = ("network_D", "network_E", "val")


def strip_comments(text):
    """Remove ``//`` comments outside JSON strings (so "http://..." survives)."""
    out, i, n, in_str = [], 0, len(text), False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif c == "/" and text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _merge(user, schema, where, path):
    if not isinstance(user, dict):
        raise OptionError(f"{path}: '{where or 'top level'}' must be an object, got {type(user).__name__}")
    out = {}
    for key, value in user.items():
        full = f"{where}.{key}" if where else key
        if key in schema:
            spec = schema[key]
        elif where == "datasets" and "test_*" in schema and key.startswith("test"):
            spec = schema["test_*"]
        else:
            close = difflib.get_close_matches(key, [k for k in schema if k != "test_*"], n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise OptionError(f"{path}: unknown option key '{full}'{hint}")
        if isinstance(spec, dict):
            out[key] = _merge(value, spec, full, path)
        else:
            out[key] = value
    for key, spec in schema.items():
        if key in out or key == "test_*":
            continue
        if isinstance(spec, dict):
            if key in _OPTIONAL_SECTIONS or where == "datasets":
                continue
            out[key] = _merge({}, spec, f"{where}.{key}" if where else key, path)
        else:
            out[key] = copy.deepcopy(spec)
    return out


def _check(opt, path, is_train):
    if not opt.get("name"):
        raise OptionError(f"{path}: 'name' is required")
    if opt["model"] not in MODELS:
        raise OptionError(f"{path}: 'model' must be one of {', '.join(MODELS)}, got {opt['model']!r}")
    if not isinstance(opt["scale"], int) or opt["scale"] not in (1, 2, 3, 4, 8):
        raise OptionError(f"{path}: 'scale' must be 1, 2, 3, 4 or 8, got {opt['scale']!r}")
    if opt["precision"] not in PRECISIONS:
        raise OptionError(f"{path}: 'precision' must be one of {', '.join(PRECISIONS)}, got {opt['precision']!r}")
    if is_train and "train" not in opt["datasets"]:
        raise OptionError(f"{path}: 'datasets.train' is required")
    if not is_train and not opt["datasets"]:
        raise OptionError(f"{path}: 'datasets' needs at least one test_N entry")
    for name, ds in opt["datasets"].items():
        if not ds.get("dataroot_HR"):
            raise OptionError(f"{path}: 'datasets.{name}.dataroot_HR' is required")
        if ds.get("mode") not in (None, "LRHR"):
            raise OptionError(f"{path}: 'datasets.{name}.mode' must be \"LRHR\" (paired folders), got {ds['mode']!r}")
        if ds.get("subset_file"):
            raise OptionError(f"{path}: 'datasets.{name}.subset_file' is not supported (use a folder)")
        ds["name"] = ds.get("name") or name
    if opt["model"] == "FASRGAN" and "network_D" not in opt:
        opt["network_D"] = _merge({}, _NET_D, "network_D", path)
    if opt["model"] == "FsSRGAN":
        opt.setdefault("network_E", _merge({}, _NET_E, "network_E", path))
        if is_train and "network_D" not in opt:
            opt["network_D"] = _merge({"which_model_D": "discriminator_vgg_192_ex", "in_nc": 64}, _NET_D,
                                      "network_D", path)
    for sec in ("network_G", "network_E", "network_D"):
        if sec in opt and opt[sec].get("norm_type") not in (None, "batch"):
            raise OptionError(f"{path}: '{sec}.norm_type' {opt[sec]['norm_type']!r} is not supported")
    if is_train:
        t = opt["train"]
        for k in ("niter", "val_freq", "D_update_ratio", "D_init_iters", "manual_seed"):
            if t[k] is not None:
                t[k] = int(t[k])
        t["lr_steps"] = [int(s) for s in t["lr_steps"] or []]
        for k in ("print_freq", "save_checkpoint_freq"):
            opt["logger"][k] = int(opt["logger"][k])
        if t["lr_scheme"] not in ("MultiStepLR", None):
            raise OptionError(f"{path}: 'train.lr_scheme' must be MultiStepLR, got {t['lr_scheme']!r}")


def parse(path, is_train=True):
    """Read, validate and complete an option file; returns a plain dict."""
    if not os.path.isfile(path):
        raise OptionError(f"{path}: option file not found")
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.loads(strip_comments(f.read()))
    except json.JSONDecodeError as exc:
        raise OptionError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except UnicodeDecodeError:
        raise OptionError(f"{path}: not a UTF-8 text file") from None
    opt = _merge(raw, TRAIN_SCHEMA if is_train else TEST_SCHEMA, "", path)
    _check(opt, path, is_train)
    opt["is_train"] = is_train
    opt["opt_path"] = os.path.abspath(path)
    return opt
