"""JTF-SISR / EDSR entry point, EDSR-PyTorch style:

    python jtf_sisr/main.py --model model --save jtf_x4 --scale 4 --save_models --save_results --patch_size 128 --batch_size 16
    python jtf_sisr/main.py --scale 4 --test_only                  # bundled weights on the bundled Set5
    torchrun --nproc_per_node=2 jtf_sisr/main.py --cpu ...          # DDP (gloo on CPU, nccl on GPU)

Errors are one line (exit 1 for data, 2 for flags; --debug for the traceback). Ctrl-C or SIGTERM exits
with 130; the state of the last finished epoch (epoch 0: the start) is on disk and the same command with
--load <save> continues from it.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402

from common.cli import run_cli  # noqa: E402
from common.io import MissingError  # noqa: E402
from common.precision import check as check_precision, cpu_capability  # noqa: E402
from jtf_sisr import weights  # noqa: E402
from jtf_sisr.data import Data  # noqa: E402
from jtf_sisr.experiment import STATE, Experiment, find_resume  # noqa: E402
from jtf_sisr.loss import Loss  # noqa: E402
from jtf_sisr.model import Model, fit_state  # noqa: E402
from jtf_sisr.option import build_parser, finalize  # noqa: E402
from jtf_sisr.trainer import Trainer  # noqa: E402


COMPILE_MIN_ITERS = 100_000


def _explicit(argv):
    """Names of the options the user typed (so bundled weights do not override them)."""
    return {a.lstrip("-").split("=")[0] for a in (argv if argv is not None else sys.argv[1:]) if a.startswith("--")}


def choose_weights(args):
    """The weights file to start a new run (or a test) from: --pre_train, or the bundled weights."""
    if args.pre_train:
        return args.pre_train
    if args.test_only:
        path = weights.bundled_path(args.model, args.scale[0])
        if not os.path.isfile(path):
            raise MissingError(f"no bundled {args.model} weights for x{args.scale[0]} ({path}); "
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
    """The run; returns 1 when a test image could not be used, else 0."""
    args = finalize(build_parser().parse_args(argv))
    resume_state, state, path = None, None, None
    if args.load:
        (path, state), resume_state = find_resume(os.path.join(args.dir_experiment, args.load), args.resume)
    else:
        path = choose_weights(args)
        if path:
            state, arch = weights.read(path)
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
        # fine-tuning from --pre_train (e.g. x3 from x4, EDSR's habit) may leave the upsamplers as they are
        fine_tune = bool(args.pre_train) and not args.test_only and not args.load
        own = model.model.state_dict()
        fitted = fit_state(own, state, path, allow_upsampler=fine_tune)
        model.model.load_state_dict(fitted, strict=False)
        if len(fitted) < len(own):
            exp.write_log(f"{len(own) - len(fitted)} upsampler tensors of {path} do not fit x{args.scale[0]} "
                          f"and stay random")
        exp.write_log(f"Load the model from {path}")
    train_model = model
    if world > 1 and not args.test_only:
        train_model = torch.nn.parallel.DistributedDataParallel(model, device_ids=None if device.type == "cpu" else [device])
    if use_compile(args):
        exp.write_log("torch.compile: the first training step also compiles the network (--compile off to skip)")
        train_model = torch.compile(train_model)
    exp.write_log(f"Precision {args.precision} on {device} ({cpu_capability()})")
    trainer = Trainer(args, data, model, Loss(args), exp, train_model, device, resume_state=resume_state)
    exp.start()                                 # only now is an earlier folder of this name archived
    if not args.test_only and trainer.saved_epoch is None:
        trainer.save()                          # epoch 0: --load works from the first second
    try:
        while not trainer.terminate():
            trainer.train()
            trainer.test()
            if world > 1:
                dist.barrier()
    except KeyboardInterrupt:
        if not args.test_only:
            exp.write_log(f"Interrupted in epoch {trainer.epoch + 1}; {exp.path(STATE)} holds epoch "
                          f"{trainer.saved_epoch}")
        raise
    if world > 1:
        dist.destroy_process_group()
    if trainer.failed:
        print(f"error: {len(trainer.failed)} test images could not be used (first: {trainer.failed[0]}; "
              f"all in {exp.path('log.txt')})", file=sys.stderr)
    return 1 if trainer.failed else 0


def main(argv=None):
    known, _ = build_parser().parse_known_args(argv)
    hint = None if known.test_only else f"resume with the same command and --load {known.load or known.save}"
    return run_cli(run, argv, prog="jtf_sisr/main.py", resume_hint=hint)


if __name__ == "__main__":
    sys.exit(main())
