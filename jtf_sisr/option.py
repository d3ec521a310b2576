"""EDSR-PyTorch's command line (flags and defaults of its option.py), plus JTF-SISR's own flags.

EDSR flags that these models do not use (--act, --shift_mean, --dilation, --extend, --split_batch,
--gan_k) are not accepted; --debug shows the traceback of an error instead of one line."""
import argparse
import os

from common.cli import UsageError
from jtf_sisr import template

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_parser():
    p = argparse.ArgumentParser(description="JTF-SISR and EDSR (EDSR-PyTorch command line)")
    p.add_argument("--debug", action="store_true", help="show the traceback of an error instead of one line")
    p.add_argument("--template", default=".", help="preset of options: JTF_small, JTF_large, EDSR_paper")
    # hardware
    p.add_argument("--n_threads", type=int, default=6, help="data-loading worker processes")
    p.add_argument("--cpu", action="store_true", help="use the CPU only")
    p.add_argument("--n_GPUs", type=int, default=1,
                   help="compatibility flag; multi-GPU training is torchrun --nproc_per_node=N main.py ...")
    p.add_argument("--seed", type=int, default=1, help="random seed")
    # data
    p.add_argument("--dir_data", default="../../../dataset", help="dataset root (DIV2K/, benchmark/ or <Set>/HR)")
    p.add_argument("--dir_demo", default="../test", help="folder of LR images for --data_test Demo")
    p.add_argument("--data_train", default="DIV2K", help="train set(s), '+'-joined: DIV2K, T91, BSD200, any folder")
    p.add_argument("--data_test", "--date_test", dest="data_test", default="Set5",
                   help="test set(s), '+'-joined: Set5, Set14, B100, Urban100, Manga109, DIV2K, Demo")
    p.add_argument("--data_range", default="1-800/801-810", help="train/test index ranges of DIV2K")
    p.add_argument("--ext", default="sep", help="img: decode every time; sep: cache decoded arrays; sep_reset")
    p.add_argument("--scale", default="4", help="super-resolution scale(s), '+'-joined")
    p.add_argument("--patch_size", type=int, default=192, help="HR patch size (rounded down to a multiple of scale)")
    p.add_argument("--rgb_range", type=int, default=255, help="maximum value of RGB")
    p.add_argument("--n_colors", type=int, default=3, help="number of color channels")
    p.add_argument("--chop", action="store_true", help="memory-bounded tiled forward (exact: overlap = receptive field)")
    p.add_argument("--no_augment", action="store_true", help="no flip/rotation augmentation")
    p.add_argument("--degradation", default="BI", type=str.upper, choices=("BI", "BD", "DN"),
                   help="LR degradation made on the fly when no LR folder exists")
    # model
    p.add_argument("--model", default="model", help="model name: model (JTF-SISR, the default here) or EDSR")
    p.add_argument("--pre_train", default="", help="pre-trained model file (loaded non-strictly, as EDSR does)")
    p.add_argument("--n_resblocks", type=int, default=16, help="number of residual blocks (image branch)")
    p.add_argument("--n_feats", type=int, default=64, help="number of feature maps")
    p.add_argument("--res_scale", type=float, default=1, help="residual scaling")
    p.add_argument("--precision", default="single", choices=("single", "half", "bf16", "fp32", "fp16"),
                   help="precision of training and test: single (fp32), half (fp16 autocast, CUDA only) or bf16 "
                        "(autocast; on a CPU only with native bf16)")
    p.add_argument("--compile", default="auto", choices=("auto", "on", "off"),
                   help="torch.compile the training forward: auto = on for runs of at least "
                        "100,000 iterations, where its compile time (about 80 s on a CPU) is under 1%%")
    p.add_argument("--n_stages", type=int, default=4, help="JTF-SISR: stages, each ending with a JTF pair")
    p.add_argument("--n_gradblocks", type=int, default=1, help="JTF-SISR: gradient-branch ResBlocks per stage")
    p.add_argument("--jtf_kernel", type=int, default=3, help="JTF-SISR: JTF window size")
    p.add_argument("--jtf_groups", type=int, default=4, help="JTF-SISR: kernel groups per JTF")
    p.add_argument("--fusion", default="jtf", choices=("jtf", "concat"),
                   help="JTF-SISR: how the two streams exchange guidance: jtf (the paper) or concat "
                        "(the ablation: concatenation + grouped 3x3 conv)")
    p.add_argument("--concat_groups", type=int, default=8, help="--fusion concat: groups of its 3x3 conv")
    # training
    p.add_argument("--reset", action="store_true", help="reset the training (delete experiment/<save>)")
    p.add_argument("--test_every", type=int, default=1000, help="iterations per epoch (then test)")
    p.add_argument("--epochs", type=int, default=300, help="number of epochs to train")
    p.add_argument("--batch_size", type=int, default=16, help="input batch size (per process)")
    p.add_argument("--self_ensemble", action="store_true", help="x8 geometric self-ensemble at test")
    p.add_argument("--test_only", action="store_true", help="only evaluate")
    # optimisation
    p.add_argument("--lr", type=float, default=1e-4, help="learning rate")
    p.add_argument("--decay", default="200", help="learning-rate decay epochs, '-'-joined")
    p.add_argument("--gamma", type=float, default=0.5, help="learning-rate decay factor")
    p.add_argument("--optimizer", default="ADAM", choices=("SGD", "ADAM", "RMSprop"))
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    p.add_argument("--betas", type=float, nargs=2, default=(0.9, 0.999), help="ADAM beta")
    p.add_argument("--epsilon", type=float, default=1e-8, help="ADAM epsilon")
    p.add_argument("--weight_decay", type=float, default=0, help="weight decay")
    p.add_argument("--gclip", type=float, default=0, help="gradient clipping threshold (0 = none)")
    # loss
    p.add_argument("--loss", default="1*L1", help="loss terms 'w*TYPE' '+'-joined: L1, MSE, GBranch, GradL1")
    p.add_argument("--grad_branch_weight", type=float, default=0.1,
                   help="weight of L1(gradient-branch output, grad HR), added when the model returns it")
    p.add_argument("--grad_weight", type=float, default=0.1, help="weight of L1(grad SR, grad HR), idem")
    p.add_argument("--skip_threshold", type=float, default=1e8, help="skip a batch whose loss is this much larger")
    # logging
    p.add_argument("--save", default="test", help="experiment folder name under experiment/")
    p.add_argument("--load", default="", help="experiment folder to continue")
    p.add_argument("--resume", type=int, default=0, help="-1: model_latest.pt; N: model_N.pt")
    p.add_argument("--save_models", action="store_true", help="keep every epoch's model")
    p.add_argument("--print_every", type=int, default=100, help="batches between training log lines")
    p.add_argument("--save_results", action="store_true", help="save SR images")
    p.add_argument("--save_gt", action="store_true", help="also save the LR and HR images")
    p.add_argument("--dir_experiment", default="experiment", help="root of experiment folders")
    p.add_argument("--chop_size", type=int, default=160000, help="--chop: largest LR tile, in pixels")
    return p


# flag -> smallest accepted value
MINIMUM = {"patch_size": 1, "batch_size": 1, "test_every": 1, "epochs": 0, "n_threads": 0, "print_every": 1,
           "chop_size": 1, "n_resblocks": 1, "n_feats": 1, "n_stages": 1, "n_gradblocks": 0, "jtf_kernel": 1,
           "jtf_groups": 1, "concat_groups": 1, "rgb_range": 1, "resume": -1}


def finalize(args):
    """Apply the template and EDSR's post-processing (lists, epochs=0 meaning 'forever'); UsageError
    naming the flag for a value out of range."""
    try:
        template.set_template(args)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        args.scale = [int(s) for s in str(args.scale).split("+")]
    except ValueError:
        raise UsageError(f"--scale must be whole numbers joined by '+', got {args.scale!r}") from None
    if min(args.scale) < 1:
        raise UsageError(f"--scale must be at least 1, got {min(args.scale)}")
    for key, least in MINIMUM.items():
        if getattr(args, key) < least:
            raise UsageError(f"--{key} must be at least {least}, got {getattr(args, key)}")
    if args.lr <= 0:
        raise UsageError(f"--lr must be positive, got {args.lr}")
    args.data_train = args.data_train.split("+")
    args.data_test = args.data_test.split("+")
    if args.epochs == 0:
        args.epochs = int(1e8)
    args.patch_size = max(args.patch_size - args.patch_size % max(args.scale), max(args.scale))
    return args


def parse_args(argv=None):
    return finalize(build_parser().parse_args(argv))
