"""JTF-SISR / EDSR entry point, EDSR-PyTorch style:

    python jtf_sisr/main.py --model model --save jtf_x4 --scale 4 --save_models --save_results --patch_size 128 --batch_size 16
    python jtf_sisr/main.py --scale 4 --test_only                  # bundled preview weights on the bundled Set5
    torchrun --nproc_per_node=2 jtf_sisr/main.py --cpu ...          # DDP (gloo on CPU, nccl on GPU)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402

from common.precision import check as check_precision, cpu_capability  # noqa: E402
from jtf_sisr import weights  # noqa: E402
from jtf_sisr.data import Data  # noqa: E402
from jtf_sisr.experiment import Experiment  # noqa: E402
from jtf_sisr.loss import Loss  # noqa: E402
from jtf_sisr.model import Model  # noqa: E402
from jtf_sisr.option import build_parser, finalize  # noqa: E402
from jtf_sisr.trainer import Trainer  # noqa: E402


COMPILE_MIN_ITERS = 100_000


def _explicit(argv):
    """Names of the options the user typed (so bundled weights do not override them)."""
    return {a.lstrip("-").split("=")[0] for a in (argv if argv is not None else sys.argv[1:]) if a.startswith("--")}


def choose_weights(args, typed):
    """The weights file to start from, after applying the architecture stored in it."""
    if args.load:
        folder = os.path.join(args.dir_experiment, args.load, "model")
        name = "model_latest.pt" if args.resume in (0, -1) else f"model_{args.resume}.pt"
        path = os.path.join(folder, name)
        return path if os.path.isfile(path) else None
    if args.pre_train:
        return args.pre_train
    if args.test_only:
        path = weights.bundled_path(args.model, args.scale[0])
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no bundled {args.model} weights for x{args.scale[0]} ({path}); "
                                    f"pass --pre_train <model_best.pt>")
        return path
    return None


def use_compile(args):
    """--compile: auto compiles runs of at least COMPILE_MIN_ITERS iterations. Measured on a 2-core CPU
    (JTF-SISR, batch 8, HR patch 96): compiling takes about 80 s and saves 0.07-0.17 s a step, so it pays
    back after 500-1,000 steps; 1% of a run is that long from 100,000 iterations on."""
    if args.test_only or args.compile == "off":
        return False
    return args.compile == "on" or args.epochs * args.test_every >= COMPILE_MIN_ITERS


def setup_distributed(args):
    if "LOCAL_RANK" not in os.environ:
        return 0, 1, torch.device("cuda" if torch.cuda.is_available() and not args.cpu else "cpu")
    use_cuda = torch.cuda.is_available() and not args.cpu
    dist.init_process_group("nccl" if use_cuda else "gloo")
    local = int(os.environ["LOCAL_RANK"])
    if use_cuda:
        torch.cuda.set_device(local)
    return dist.get_rank(), dist.get_world_size(), torch.device(f"cuda:{local}" if use_cuda else "cpu")


def run(argv=None):
    args = finalize(build_parser().parse_args(argv))
    path = choose_weights(args, _explicit(argv))
    if path and not args.load:
        _, arch = weights.read(path)
        for key, value in arch.items():
            if key not in _explicit(argv):
                setattr(args, key, value)
    rank, world, device = setup_distributed(args)
    args.precision = check_precision(args.precision, device)
    torch.manual_seed(args.seed + rank)
    exp = Experiment(args, rank)
    data = Data(args, rank, world)
    model = Model(args).to(device)
    if path:
        state, _ = weights.read(path)
        if args.pre_train and not args.test_only and not args.load:
            # fine-tuning (e.g. x3 from x4, EDSR's habit): keep the tensors whose shapes fit
            own = model.model.state_dict()
            dropped = [k for k, v in state.items() if k not in own or own[k].shape != v.shape]
            state = {k: v for k, v in state.items() if k not in dropped}
            model.model.load_state_dict(state, strict=False)
            if dropped:
                exp.write_log(f"{len(dropped)} tensors of {path} do not fit this model and stay random")
        else:
            model.model.load_state_dict(state)
        exp.write_log(f"Load the model from {path}")
    train_model = model
    if world > 1 and not args.test_only:
        train_model = torch.nn.parallel.DistributedDataParallel(model, device_ids=None if device.type == "cpu" else [device])
    if use_compile(args):
        exp.write_log("torch.compile: the first training step also compiles the network (--compile off to skip)")
        train_model = torch.compile(train_model)
    exp.write_log(f"Precision {args.precision} on {device} ({cpu_capability()})")
    trainer = Trainer(args, data, model, Loss(args), exp, train_model, device)
    while not trainer.terminate():
        trainer.train()
        trainer.test()
        if world > 1:
            dist.barrier()
    if world > 1:
        dist.destroy_process_group()
    return 0


def main(argv=None):
    try:
        return run(argv)
    except (ValueError, OSError, FloatingPointError, RuntimeError) as exc:
        lines = [l for l in str(exc).strip().splitlines() if l.strip()]
        print(f"error: {lines[-1] if lines else type(exc).__name__}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
