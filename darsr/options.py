"""Command-line options: every flag of DARSR's options.py (same names and defaults), plus
``--device``, ``--seed``, ``--oracle``, ``--preset``, ``--precision`` and a few documented extras."""
import argparse
import sys

# Iteration counts and batch size of each preset; explicit flags win over the preset.
# (``input_crop_size`` None: the smallest allowed, 16 x scale.)
# The fast preset corrects with the closed-form filter of the estimated kernel (``analytic``): on the 10-image
# DIV2KRK-style x2 set of benchmarks.div2krk it gains +1.37 dB over SRFBN-S on the raw LR, where DARM's learned
# correction at the fast schedule loses 1.00 dB (darsr/README.md); ``--correction darm`` restores DARM.
PRESETS = {
    "paper": dict(num_iters=3000, dsem_iters=3000, kernelgan_iters=3000, batch_size=16, input_crop_size=128,
                  darm_init="kaiming", normalize_kernel=0, correction="darm"),
    "fast": dict(num_iters=600, dsem_iters=200, kernelgan_iters=3000, batch_size=4, input_crop_size=64,
                 darm_init="identity", normalize_kernel=1, correction="analytic"),
    "tiny": dict(num_iters=4, dsem_iters=3, kernelgan_iters=4, batch_size=2, input_crop_size=None,
                 darm_init="kaiming", normalize_kernel=0, correction="darm"),
}
PRECISIONS = ("fp32", "fp16", "bf16")   # common.precision's names (not imported here: it imports torch)


class ConfigError(ValueError):
    """Inconsistent or invalid options."""


def build_parser():
    p = argparse.ArgumentParser(description="Network")
    p.add_argument("--input_dir", "-i", type=str, default="LR", help="folder of LR test images")
    p.add_argument("--output_dir", "-o", type=str, default="results", help="everything is written here")
    p.add_argument("--gt_dir", "-g", type=str, default="", help="GT folder (same file names); metrics only")
    p.add_argument("--input_crop_size", type=int, default=128, help="crop fed to G; D's crop is crop*s_d")
    p.add_argument("--batch_size", type=int, default=16)
    p.add_argument("--scale_factor", "--scalr_factor", dest="scale_factor", type=int, default=2,
                   help="SR scale (2 or 4); --scalr_factor is the README's spelling")
    p.add_argument("--scale_factor_downsampler", type=float, default=0.5, help="must equal 1/scale_factor")
    p.add_argument("--lambda_cycle", type=int, default=5)
    p.add_argument("--lambda_interp", type=int, default=2)
    p.add_argument("--lambda_regularization", type=int, default=2)
    p.add_argument("--lr_G_UP", type=float, default=0.001, help="learning rate of DARM")
    p.add_argument("--lr_G_DN", type=float, default=0.0002, help="learning rate of G (downsampler)")
    p.add_argument("--lr_D_DN", type=float, default=0.0002, help="learning rate of D")
    p.add_argument("--beta1", type=float, default=0.5)
    p.add_argument("--num_iters", type=int, default=3000, help="iterations of the joint G/D/DARM stage")
    p.add_argument("--eval_iters", type=int, default=10, help="GT evaluation period (--oracle only)")
    # additions
    p.add_argument("--preset", choices=sorted(PRESETS), default="paper",
                   help="iterations (SR/DSEM), batch, crop, DARM init, correction: paper 3000/3000/16/128/kaiming/darm, "
                        "fast 600/200/4/64/identity/analytic, tiny 4/3/2/16*scale/kaiming/darm (tests); explicit "
                        "flags override")
    p.add_argument("--dsem_iters", type=int, default=3000, help="iterations of the DSEM stage")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--oracle", action="store_true",
                   help="authors' protocol: 2 restarts, keep the result with the best PSNR against the GT")
    p.add_argument("--restarts", type=int, default=2, help="restarts under --oracle")
    p.add_argument("--bicubic_loss", choices=("per_channel", "mixed"), default="per_channel",
                   help="'mixed' reproduces the channel-mixing quirk of the original bicubic regulariser")
    p.add_argument("--darm_init", choices=("kaiming", "identity"), default="kaiming",
                   help="DARM init: kaiming (paper) or near-identity (coefficients of a delta; for short runs)")
    p.add_argument("--normalize_kernel", type=int, choices=(0, 1), default=0,
                   help="1: G applies its kernel divided by its sum (not in the paper; for short runs)")
    p.add_argument("--correction", choices=("darm", "analytic"), default="darm",
                   help="darm: the paper's learned correction (DSEM, then G/D/DARM jointly; the paper preset's); "
                        "analytic (an addition; the fast preset's): G/D as in KernelGAN, then the closed-form "
                        "correction filter of G's kernel (Hussein et al. 2020)")
    p.add_argument("--correction_eps", type=float, default=3e-3,
                   help="analytic: regularisation of the correction filter (a fraction of the kernel's peak power)")
    p.add_argument("--correction_shrink", type=float, default=0.7,
                   help="analytic: G's kernel is narrowed by this factor before the filter is computed "
                        "(1: as estimated)")
    p.add_argument("--kernelgan_iters", type=int, default=3000,
                   help="analytic: G/D iterations (KernelGAN's 3000; each costs a few ms, no DARM or SRFBN-S)")
    p.add_argument("--tile", type=int, default=0, help="SRFBN-S tile size at inference (0: whole image)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    p.add_argument("--debug", action="store_true", help="show the traceback of an error instead of one line")
    p.add_argument("--precision", choices=PRECISIONS, default="fp32",
                   help="forward passes under autocast: fp32 (none), fp16 (CUDA only, with loss scaling) or bf16 "
                        "(CUDA, or a CPU with native bf16); losses and optimizer state stay fp32")
    return p


def _explicit(parser, argv):
    """Names of the options given on the command line."""
    probe = argparse.ArgumentParser(add_help=False)
    for a in parser._actions:
        if a.option_strings and a.dest != "help":
            kw = dict(dest=a.dest, default=argparse.SUPPRESS)
            if a.nargs == 0:
                kw["action"] = "store_const"
                kw["const"] = True
            probe.add_argument(*a.option_strings, **kw)
    ns, _ = probe.parse_known_args(argv)
    return set(vars(ns))


def finalize(conf, explicit=()):
    """Apply the preset, then check the options; raises ConfigError with a one-line message."""
    for key, value in PRESETS[conf.preset].items():
        if key not in explicit:
            setattr(conf, key, 16 * conf.scale_factor if value is None else value)
    if conf.oracle and "correction" not in explicit:
        conf.correction = "darm"        # the oracle selects among DARM's iterations
    s = conf.scale_factor
    if s not in (2, 4):
        raise ConfigError(f"--scale_factor must be 2 or 4 (bundled SRFBN-S weights), got {s}")
    if abs(conf.scale_factor_downsampler * s - 1.0) > 1e-6:
        raise ConfigError(f"--scale_factor_downsampler {conf.scale_factor_downsampler} is inconsistent with "
                          f"--scale_factor {s} (expected {1.0 / s:g})")
    if conf.input_crop_size < 16 * s or conf.input_crop_size % s:
        raise ConfigError(f"--input_crop_size must be a multiple of {s} and at least {16 * s}, "
                          f"got {conf.input_crop_size}")
    for key in ("batch_size", "num_iters", "dsem_iters", "eval_iters", "restarts"):
        if getattr(conf, key) < 1:
            raise ConfigError(f"--{key} must be at least 1, got {getattr(conf, key)}")
    if conf.precision not in PRECISIONS:
        raise ConfigError(f"--precision must be one of {', '.join(PRECISIONS)}, got {conf.precision!r}")
    if conf.oracle and not conf.gt_dir:
        raise ConfigError("--oracle selects results by PSNR against the ground truth: it needs --gt_dir")
    if conf.correction == "analytic" and conf.oracle:
        raise ConfigError("--oracle selects among DARM's iterations: it cannot be combined with --correction analytic")
    if not 0 < conf.correction_shrink <= 1:
        raise ConfigError(f"--correction_shrink must be in (0, 1], got {conf.correction_shrink}")
    if conf.kernelgan_iters < 1:
        raise ConfigError(f"--kernelgan_iters must be at least 1, got {conf.kernelgan_iters}")
    if not conf.correction_eps > 0:
        raise ConfigError(f"--correction_eps must be positive, got {conf.correction_eps}")
    conf.protocol = "oracle" if conf.oracle else "honest"
    return conf


def parse(argv=None):
    """Parse and check the command line (argparse exits with status 2 on unknown flags)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    conf = parser.parse_args(argv)
    return finalize(conf, _explicit(parser, argv))


def make_config(**kwargs):
    """A checked options namespace from keyword arguments (for the API and tests)."""
    conf = build_parser().parse_args([])
    for key, value in kwargs.items():
        if not hasattr(conf, key):
            raise ConfigError(f"unknown option {key!r}")
        setattr(conf, key, value)
    if "scale_factor" in kwargs and "scale_factor_downsampler" not in kwargs:
        conf.scale_factor_downsampler = 1.0 / conf.scale_factor
    return finalize(conf, set(kwargs))
