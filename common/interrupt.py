"""Stopping a training loop cleanly on Ctrl-C (SIGINT) or SIGTERM.

Inside ``with StopRequest() as stop:`` the first signal only sets ``stop.requested``: the loop ends the
current iteration, saves a resumable state and raises ``KeyboardInterrupt`` (``common.cli.run_cli``
then prints the resume line and exits 130). A second signal raises ``KeyboardInterrupt`` at once.
"""
import signal
import threading

__all__ = ["StopRequest"]


class StopRequest:
    def __init__(self):
        self.requested = None
        self._old = {}

    def _handle(self, signum, frame):
        if self.requested is not None:
            raise KeyboardInterrupt(f"signal {signum}")
        self.requested = signum

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old = {}
        return False

    def should_stop(self, world=1):
        """Whether any process got a signal (all processes agree under DDP)."""
        flag = self.requested is not None
        if world > 1:
            import torch
            import torch.distributed as dist

            t = torch.tensor([int(flag)])
            dist.all_reduce(t, op=dist.ReduceOp.MAX)
            flag = bool(t.item())
        return flag
