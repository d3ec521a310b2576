"""JSON options with // comments, checked against a schema: unknown keys are an error naming them.

The keys follow BasicSR's option files (jtf_dgpnet.md B.5, anchors.md B2); a schema value is the
default, ``REQUIRED`` marks a key that must be given, and a nested dict is a nested section.
"""
import copy
import inspect
import json
import os

from common.precision import PrecisionError, normalise

__all__ = ["OptionError", "REQUIRED", "load_json", "parse_options", "apply_overrides", "dataset_schema"]


class OptionError(ValueError):
    """A bad options file; the message names the file and the key."""


REQUIRED = object()
ANY = object()   # a dict section whose keys are not checked

_DATASET = {
    "name": REQUIRED, "type": "PairedImageDataset", "layout": "folders", "dataroot": None, "dataroot_gt": None,
    "dataroot_lq": None, "filename_tmpl": "{}", "io_backend": {"type": "disk"}, "gt_size": 192,
    "use_hflip": True, "use_rot": True, "num_worker_per_gpu": 4, "batch_size_per_gpu": 16,
    "dataset_enlarge_ratio": 1, "prefetch_mode": None, "cache": False, "lq_at_hr_size": "auto",
}

_METRIC = {"type": REQUIRED, "crop_border": None, "test_y_channel": True}

_COMMON = {
    "name": REQUIRED, "model_type": "DGPNetModel", "scale": 4, "num_gpu": 0, "manual_seed": 0, "precision": "fp32",
    "network_g": {"type": "DGPNet"},        # checked against the architecture's signature
    "path": {"pretrain_network_g": None, "param_key_g": "auto", "strict_load_g": True, "resume_state": None,
             "experiments_root": None, "results_root": None},
    "dist_params": {"backend": None, "port": 29500},
}

TRAIN_SCHEMA = dict(copy.deepcopy(_COMMON), **{
    "datasets": {},                          # train, val, val_1 ...: _DATASET
    "train": {
        "ema_decay": 0, "total_iter": REQUIRED, "warmup_iter": -1,
        "optim_g": {"type": "Adam", "lr": 2e-4, "weight_decay": 0, "betas": [0.9, 0.99]},
        "scheduler": {"type": "MultiStepLR", "milestones": [], "gamma": 0.5, "periods": None, "eta_min": 1e-7},
        "pixel_opt": {"type": "L1Loss", "loss_weight": 1.0, "reduction": "mean", "eps": 1e-12},
    },
    "val": {"val_freq": 5000, "save_img": False, "suffix": None, "pbar": False, "tile": None, "tile_overlap": 32,
            "metrics": {}},
    "logger": {"print_freq": 100, "save_checkpoint_freq": 5000, "use_tb_logger": False, "use_tqdm": True,
               "wandb": ANY},
})

TEST_SCHEMA = dict(copy.deepcopy(_COMMON), **{
    "datasets": {},                          # test_1, test_2 ...: _DATASET
    "val": {"save_img": True, "suffix": None, "pbar": True, "tile": None, "tile_overlap": 32, "metrics": {}},
})


def _strip_comments(text):
    """Remove // and /* */ comments outside strings, keeping line numbers."""
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
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            chunk = text[i:n if j < 0 else j + 2]
            out.append("\n" * chunk.count("\n"))
            i = n if j < 0 else j + 2
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def load_json(path):
    """Read a JSON file that may hold // and /* */ comments."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise OptionError(f"{path}: no such options file")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise OptionError(f"{path}: cannot be read ({exc})") from None
    try:
        opt = json.loads(_strip_comments(text))
    except json.JSONDecodeError as exc:
        raise OptionError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg})") from None
    if not isinstance(opt, dict):
        raise OptionError(f"{path}: the top level must be an object")
    return opt


def _check(opt, schema, where, path):
    if schema is ANY:
        return opt
    if not isinstance(opt, dict):
        raise OptionError(f"{path}: '{where}' must be an object")
    unknown = [k for k in opt if k not in schema]
    if unknown:
        keys = ", ".join(f"'{where}.{k}'" if where else f"'{k}'" for k in unknown)
        raise OptionError(f"{path}: unknown option key {keys}")
    result = {}
    for key, default in schema.items():
        name = f"{where}.{key}" if where else key
        if isinstance(default, dict) and default:
            result[key] = _check(opt.get(key, {}) if opt.get(key) is not None else {}, default, name, path)
        elif key in opt:
            result[key] = opt[key]
        elif default is REQUIRED:
            raise OptionError(f"{path}: missing option '{name}'")
        else:
            result[key] = copy.deepcopy(default) if default is not ANY else {}
    return result


def dataset_schema():
    return copy.deepcopy(_DATASET)


def _check_network(net, path):
    from dgpnet.archs import ARCHS

    if not isinstance(net, dict):
        raise OptionError(f"{path}: 'network_g' must be an object")
    net = dict(net)
    kind = net.pop("type", "DGPNet")
    if kind not in ARCHS:
        raise OptionError(f"{path}: unknown 'network_g.type' {kind!r} (choose from {', '.join(ARCHS)})")
    allowed = set(inspect.signature(ARCHS[kind]).parameters)
    if kind != "DGPNet":
        allowed.add("dgconv")   # convert the network's 3x3 convolutions to DGConv
    unknown = [k for k in net if k not in allowed]
    if unknown:
        raise OptionError(f"{path}: unknown option key " + ", ".join(f"'network_g.{k}'" for k in unknown))
    return dict(type=kind, **net)


def _check_metrics(metrics, where, path):
    if not isinstance(metrics, dict):
        raise OptionError(f"{path}: '{where}' must be an object")
    out = {}
    for name, m in metrics.items():
        m = _check(m, _METRIC, f"{where}.{name}", path)
        if m["type"] not in ("calculate_psnr", "calculate_ssim"):
            raise OptionError(f"{path}: '{where}.{name}.type' must be calculate_psnr or calculate_ssim")
        out[name] = m
    return out


def apply_overrides(raw, overrides, path):
    """BasicSR's ``--force_yml``: each ``a:b=value`` sets ``raw['a']['b']`` (value parsed as JSON if it can be)."""
    for item in overrides or ():
        if "=" not in item:
            raise OptionError(f"{path}: override {item!r} is not key:sub=value")
        keys, value = item.split("=", 1)
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass
        node, parts = raw, keys.split(":")
        for k in parts[:-1]:
            node = node.setdefault(k, {})
            if not isinstance(node, dict):
                raise OptionError(f"{path}: override {item!r}: '{k}' is not a section")
        node[parts[-1]] = value
    return raw


def parse_options(path, is_train=True, debug=False, overrides=None):
    """Load, check and complete an options file (plus ``overrides``); returns a plain dict."""
    path = os.fspath(path)
    raw = apply_overrides(load_json(path), overrides, path)
    schema = TRAIN_SCHEMA if is_train else TEST_SCHEMA
    net = raw.pop("network_g", {"type": "DGPNet"})
    datasets = raw.pop("datasets", None)
    opt = _check(raw, {k: v for k, v in schema.items() if k not in ("network_g", "datasets")}, "", path)
    opt["network_g"] = _check_network(net, path)
    try:
        opt["precision"] = normalise(opt["precision"])
    except PrecisionError:
        raise OptionError(f"{path}: 'precision' must be fp32, fp16 or bf16, got {opt['precision']!r}") from None
    if not isinstance(datasets, dict) or not datasets:
        raise OptionError(f"{path}: 'datasets' must be a non-empty object")
    opt["datasets"] = {}
    prefixes = ("train", "val") if is_train else ("test", "val")
    for phase, ds in datasets.items():
        if not phase.split("_")[0] in prefixes:
            raise OptionError(f"{path}: unknown option key 'datasets.{phase}' (use {' / '.join(p + '[_n]' for p in prefixes)})")
        ds = _check(ds, _DATASET, f"datasets.{phase}", path)
        ds["phase"] = "train" if phase == "train" else "val"
        ds["scale"] = opt["scale"]
        opt["datasets"][phase] = ds
    if is_train and "train" not in opt["datasets"]:
        raise OptionError(f"{path}: 'datasets.train' is required for training")
    opt["val"]["metrics"] = _check_metrics(opt["val"]["metrics"], "val.metrics", path)
    for m in opt["val"]["metrics"].values():
        if m["crop_border"] is None:
            m["crop_border"] = opt["scale"]
    if opt["network_g"].get("upscale", opt["scale"]) != opt["scale"]:
        raise OptionError(f"{path}: 'network_g.upscale' ({opt['network_g']['upscale']}) differs from 'scale' ({opt['scale']})")
    opt["network_g"]["upscale"] = opt["scale"]
    opt["is_train"], opt["opt_path"] = is_train, os.path.abspath(path)
    if debug and is_train:
        opt["name"] = opt["name"] if opt["name"].startswith("debug") else "debug_" + opt["name"]
    if is_train and opt["name"].startswith("debug"):
        opt["val"]["val_freq"] = 8
        opt["logger"]["print_freq"] = 1
        opt["logger"]["save_checkpoint_freq"] = 8
    return opt
