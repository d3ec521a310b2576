"""The authors' old-BasicSR JSON options, checked strictly.

Reading follows the authors' ``options/options.py``: ``//`` starts a comment to the end of the line
(here only outside strings, so ``"http://..."`` survives), ``null`` means None. Unlike theirs, every
key is checked against the schema below: an unknown or misspelled key is an :class:`OptionError`
naming it (with the closest known key), a missing key takes the default shown, and a value of the
wrong type is an error. Relative paths are relative to ``path.root`` (default: the current folder).
"""
import copy
import difflib
import json
import os
import re

REQUIRED = object()


class OptionError(ValueError):
    """A bad option file or value; the message names the file and the key."""


NETWORK_G = {
    "which_model_G": "DualSR_RRDB", "norm_type": None, "mode": "CNA", "act_type": "leakyrelu",
    "upsample_mode": "upconv", "in_nc": 3, "out_nc": 3, "nf": 64, "gc": 32, "group": 1,
    "nb_e": 2, "nb_l_1": 10, "nb_l_2": 5, "nb_h_1": 5, "nb_h_2": 10, "nb_m": 5,
}
NETWORK_D = {
    "which_model_D": "discriminator_vgg_128", "norm_type": "batch", "act_type": "leakyrelu", "mode": "CNA",
    "in_nc": 3, "nf": 64, "input_size": None,   # None: datasets.train.HR_size
}
DATASET_TRAIN = {
    "name": "train", "mode": "LRHR", "dataroot_HR": REQUIRED, "dataroot_LR": None, "filename_tmpl": "{}",
    "cache_LR": "experiments/lr_cache", "use_shuffle": True, "n_workers": 4, "batch_size": 32, "HR_size": 128,
    "use_flip": True, "use_rot": True,
}
DATASET_EVAL = {
    "name": REQUIRED, "mode": "LRHR", "dataroot_HR": REQUIRED, "dataroot_LR": None, "filename_tmpl": "{}",
    "cache_LR": None,      # None: LR made once per process and kept in memory (small sets)
}
DATASET_TEST = dict(DATASET_EVAL, dataroot_HR=None)     # LR only: SR images and NIQE, no PSNR/SSIM
PATH_TRAIN = {
    "root": ".", "experiments_root": None, "pretrain_model_G": None, "pretrain_model_D": None,
    "strict_load": True, "resume_state": None, "vgg19": None,
}
TRAIN = {
    "lr_G": 2e-4, "weight_decay_G": 0.0, "beta1_G": 0.9, "beta2_G": 0.999,
    "lr_D": 1e-4, "weight_decay_D": 0.0, "beta1_D": 0.9, "beta2_D": 0.999,
    "lr_scheme": "MultiStepLR", "lr_steps": [200000, 400000, 600000, 800000], "lr_gamma": 0.5,
    "pixel_criterion": "l1", "pixel_weight": 1.0,
    "feature_criterion": "l1", "feature_weight": 1.0, "feature_layer": 34, "cri_fea_low": 1.0, "cri_fea_high": 1.0,
    "gan_type": "vanilla", "gan_weight": 5e-3, "D_update_ratio": 1, "D_init_iters": 0,
    "manual_seed": 0, "niter": 1000000, "val_freq": 1000,
}
LOGGER = {"print_freq": 200, "save_checkpoint_freq": 1000, "use_tb_logger": False}
TRAIN_SCHEMA = {
    "name": REQUIRED, "model": REQUIRED, "scale": 4, "gpu_ids": None, "precision": "fp32", "use_tb_logger": False,
    "datasets": None, "path": PATH_TRAIN, "network_G": NETWORK_G, "network_D": NETWORK_D,
    "train": TRAIN, "logger": LOGGER,
}
TEST_OPTS = {"save_low": False, "save_high": False, "save_mask": False, "niqe": True, "tile": None,
             "tile_overlap": 32, "crop_border": None, "test_y_channel": True}
PATH_TEST = {"root": ".", "results_root": None, "pretrain_model_G": REQUIRED, "strict_load": True}
TEST_SCHEMA = {
    "name": REQUIRED, "model": "DualSR", "scale": 4, "gpu_ids": None, "precision": "fp32", "suffix": None,
    "datasets": None, "path": PATH_TEST, "network_G": NETWORK_G, "test": TEST_OPTS,
}
MODELS = ("DualSR_pretrain", "DualSR")
PRECISIONS = ("fp32", "fp16", "bf16")     # common.precision: fp32 (no autocast), fp16 CUDA only, bf16 native only
# keys whose value may be null although the default is not
NULLABLE = {"dataroot_LR", "cache_LR", "gpu_ids", "suffix", "tile", "crop_border", "input_size", "vgg19",
            "experiments_root", "results_root", "pretrain_model_G", "pretrain_model_D", "resume_state",
            "norm_type", "manual_seed"}


def strip_comments(text):
    """Drop ``//`` comments that are outside JSON strings, line by line."""
    out = []
    for line in text.splitlines():
        in_str = esc = False
        cut = len(line)
        for i, ch in enumerate(line):
            if in_str:
                if esc:
                    esc = False
                elif ch == "\\":
                    esc = True
                elif ch == '"':
                    in_str = False
                continue
            if ch == '"':
                in_str = True
            elif ch == "/" and line[i + 1:i + 2] == "/":
                cut = i
                break
        out.append(line[:cut])
    return "\n".join(out)


def _no_duplicates(path):
    def hook(pairs):
        seen = {}
        for k, v in pairs:
            if k in seen:
                raise OptionError(f"{path}: key '{k}' appears twice")
            seen[k] = v
        return seen
    return hook


def read_json(path):
    """The option file as a dict; invalid JSON is an OptionError with the line and column."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise OptionError(f"{path}: no such option file")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise OptionError(f"{path}: cannot be read ({exc})") from None
    try:
        data = json.loads(strip_comments(text), object_pairs_hook=_no_duplicates(path))
    except json.JSONDecodeError as exc:
        raise OptionError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise OptionError(f"{path}: the top level must be a JSON object")
    return data


def _type_ok(value, default):
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, list):
        return isinstance(value, list)
    return True


def check(data, schema, where, path):
    """Fill defaults into ``data`` by ``schema``; raise OptionError on unknown keys or bad types."""
    if not isinstance(data, dict):
        raise OptionError(f"{path}: '{where}' must be an object")
    for key in data:
        if key not in schema:
            close = difflib.get_close_matches(key, list(schema), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise OptionError(f"{path}: unknown key '{where + '.' if where else ''}{key}'{hint}")
    out = {}
    for key, default in schema.items():
        name = f"{where}.{key}" if where else key
        if key not in data:
            if default is REQUIRED:
                raise OptionError(f"{path}: missing required key '{name}'")
            out[key] = copy.deepcopy(default) if not isinstance(default, dict) else check({}, default, name, path)
            continue
        value = data[key]
        if isinstance(default, dict):
            out[key] = check(value, default, name, path)
        elif default is REQUIRED:       # every required key is a string (a name or a path)
            if not isinstance(value, str) or not value:
                raise OptionError(f"{path}: '{name}' must be a non-empty string, got {json.dumps(value)}")
            out[key] = value
        elif value is None:
            if default is not None and key not in NULLABLE:
                raise OptionError(f"{path}: '{name}' may not be null")
            out[key] = None
        elif default is not None and not _type_ok(value, default):
            raise OptionError(f"{path}: '{name}' must be of type {type(default).__name__}, got {value!r}")
        else:
            out[key] = value
    return out


def _check_datasets(data, is_train, path):
    datasets = data.get("datasets")
    if not isinstance(datasets, dict) or not datasets:
        raise OptionError(f"{path}: 'datasets' must be an object with at least one dataset")
    out = {}
    for key in sorted(datasets):
        if is_train and key == "train":
            out[key] = check(datasets[key], DATASET_TRAIN, "datasets.train", path)
        elif re.fullmatch(r"val(_\w+)?" if is_train else r"test(_\w+)?", key):
            out[key] = check(datasets[key], DATASET_EVAL if is_train else DATASET_TEST, f"datasets.{key}", path)
            if out[key]["dataroot_HR"] is None and out[key]["dataroot_LR"] is None:
                raise OptionError(f"{path}: 'datasets.{key}' needs dataroot_HR, dataroot_LR or both")
        else:
            allowed = "'train' and 'val' / 'val_<n>'" if is_train else "'test_<n>'"
            raise OptionError(f"{path}: unknown dataset key 'datasets.{key}' (use {allowed})")
        if out[key]["mode"] != "LRHR":
            raise OptionError(f"{path}: 'datasets.{key}.mode' must be 'LRHR' (LR made from HR when "
                              f"dataroot_LR is null), got {out[key]['mode']!r}")
    if is_train and "train" not in out:
        raise OptionError(f"{path}: 'datasets.train' is missing")
    return out


def _resolve(root, p):
    return None if p is None else os.path.normpath(os.path.join(root, os.path.expanduser(p)))


def parse(path, is_train=True, debug=False):
    """Read, check and complete an option file; returns a plain dict with absolute paths."""
    data = read_json(path)
    datasets = _check_datasets(data, is_train, path)
    opt = check({k: v for k, v in data.items() if k != "datasets"}, TRAIN_SCHEMA if is_train else TEST_SCHEMA,
                "", path)
    opt["datasets"] = datasets
    opt["is_train"] = is_train
    opt["opt_path"] = os.path.abspath(path)
    scale, g = opt["scale"], opt["network_G"]
    if scale not in (2, 3, 4, 8):
        raise OptionError(f"{path}: 'scale' must be 2, 3, 4 or 8, got {scale}")
    if opt["precision"] not in PRECISIONS:
        raise OptionError(f"{path}: 'precision' must be 'fp32', 'fp16' or 'bf16', got {opt['precision']!r}")
    if opt["model"] not in MODELS or (not is_train and opt["model"] != "DualSR"):
        raise OptionError(f"{path}: 'model' must be one of {', '.join(MODELS) if is_train else 'DualSR'}, "
                          f"got {opt['model']!r}")
    fixed = {"which_model_G": "DualSR_RRDB", "norm_type": None, "mode": "CNA", "act_type": "leakyrelu",
             "upsample_mode": "upconv", "group": 1}
    for key, value in fixed.items():
        if g[key] != value:
            raise OptionError(f"{path}: 'network_G.{key}' must be {json.dumps(value)} (the paper's network), "
                              f"got {json.dumps(g[key])}")
    root = os.path.abspath(os.path.expanduser(opt["path"]["root"]))
    opt["path"]["root"] = root
    for ds in datasets.values():
        for key in ("dataroot_HR", "dataroot_LR", "cache_LR"):
            ds[key] = _resolve(root, ds[key])
    if is_train:
        _finish_train(opt, path, root, debug)
    else:
        p = opt["path"]
        p["pretrain_model_G"] = _resolve(root, p["pretrain_model_G"])
        p["results_root"] = _resolve(root, p["results_root"]) or os.path.join(root, "results", opt["name"])
        t = opt["test"]
        if t["tile"] is not None and (not isinstance(t["tile"], int) or t["tile"] < 1):
            raise OptionError(f"{path}: 'test.tile' must be a positive integer or null, got {t['tile']!r}")
    return opt


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
    if t["lr_scheme"] != "MultiStepLR":
        raise OptionError(f"{path}: 'train.lr_scheme' must be 'MultiStepLR', got {t['lr_scheme']!r}")
    for key in ("pixel_criterion", "feature_criterion"):
        if t[key] not in ("l1", "l2"):
            raise OptionError(f"{path}: 'train.{key}' must be 'l1' or 'l2', got {t[key]!r}")
    if t["gan_type"] not in ("vanilla", "lsgan"):
        raise OptionError(f"{path}: 'train.gan_type' must be 'vanilla' or 'lsgan', got {t['gan_type']!r}")
    for key in ("niter", "val_freq", "D_update_ratio"):
        if t[key] < 1:
            raise OptionError(f"{path}: 'train.{key}' must be at least 1, got {t[key]}")
    for key in ("print_freq", "save_checkpoint_freq"):
        if opt["logger"][key] < 1:
            raise OptionError(f"{path}: 'logger.{key}' must be at least 1, got {opt['logger'][key]}")
    tr = opt["datasets"]["train"]
    if tr["HR_size"] % opt["scale"] or tr["HR_size"] < opt["scale"]:
        raise OptionError(f"{path}: 'datasets.train.HR_size' must be a multiple of the scale {opt['scale']}, "
                          f"got {tr['HR_size']}")
    if tr["batch_size"] < 1 or tr["n_workers"] < 0:
        raise OptionError(f"{path}: 'datasets.train.batch_size' must be >= 1 and 'n_workers' >= 0")
    if opt["model"] == "DualSR":
        if d["which_model_D"] != "discriminator_vgg_128" or d["norm_type"] != "batch" or d["mode"] != "CNA":
            raise OptionError(f"{path}: 'network_D' must be the discriminator_vgg_128 with batch norm, mode CNA")
        d["input_size"] = d["input_size"] or tr["HR_size"]
        if d["input_size"] != tr["HR_size"]:
            raise OptionError(f"{path}: 'network_D.input_size' ({d['input_size']}) must equal "
                              f"'datasets.train.HR_size' ({tr['HR_size']})")
        if tr["HR_size"] % 32:
            raise OptionError(f"{path}: the VGG-128 discriminator needs 'datasets.train.HR_size' to be a "
                              f"multiple of 32, got {tr['HR_size']}")
        if t["feature_weight"] > 0 and not p["vgg19"]:
            raise OptionError(f"{path}: 'path.vgg19' must name a VGG19 weights file (torchvision's "
                              f"vgg19-dcbb9e9d.pth) when 'train.feature_weight' > 0")


def dump(opt):
    """The completed options as indented JSON text."""
    return json.dumps(opt, indent=2)
