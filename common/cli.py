"""The error boundary of every entry point: expected failures end in one line and a documented exit code.

    def main(argv=None):
        return run_cli(_main, argv, prog="train.py", resume_hint="resume with --auto_resume")

Exit codes (the same in every package):

* 0   done;
* 1   a data problem: an unreadable or corrupt file, a checkpoint of another network, an output folder
      that is not writable or a full disk (``DataError``, ``ImageError``, ``CheckpointError``,
      ``OSError`` and the other ``ValueError``s);
* 2   a usage problem: a bad flag, option key or value (``UsageError`` and its subclasses);
* 130 interrupted by Ctrl-C (SIGINT) or SIGTERM; the entry point saves what it can first and the
      line names how to resume.

``--debug`` on the command line (or ``SR_DEBUG=1``) re-raises instead, for the full traceback.
"""
import errno
import os
import signal
import sys

__all__ = ["UsageError", "DataError", "EXIT_OK", "EXIT_DATA", "EXIT_USAGE", "EXIT_INTERRUPT",
           "one_line", "raise_on_sigterm", "auto_resume_hint", "run_cli"]

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INTERRUPT = 0, 1, 2, 130


class UsageError(ValueError):
    """A bad command line, option key or option value (exit code 2); the message is one line."""


class DataError(ValueError):
    """An input or output file that cannot be used (exit code 1); the message names the file."""


_OS_HINTS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
}


def one_line(exc):
    """The message of ``exc`` as one line; an OSError names its file and its reason."""
    if isinstance(exc, OSError) and exc.errno is not None:     # FileNotFoundError("msg") has its own text
        reason = _OS_HINTS.get(exc.errno) or exc.strerror or type(exc).__name__
        name = exc.filename if exc.filename is not None else None
        return f"{name}: {reason}" if name else reason
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


def _sigterm(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def raise_on_sigterm():
    """Turn SIGTERM into KeyboardInterrupt, so that `kill` is handled as Ctrl-C is (main thread only)."""
    try:
        signal.signal(signal.SIGTERM, _sigterm)
    except ValueError:      # not the main thread
        pass


def auto_resume_hint(prog, args):
    """'resume with: python <prog> <args> --auto_resume' (BasicSR's resume flag, given once)."""
    again = " ".join(a for a in args if a != "--auto_resume")
    return f"resume with: python {prog} {again} --auto_resume"


def _debug(argv):
    args = sys.argv[1:] if argv is None else argv
    return "--debug" in args or os.environ.get("SR_DEBUG", "") not in ("", "0")


def run_cli(main, argv=None, prog=None, resume_hint=None, errors=()):
    """Call ``main(argv)`` and turn expected failures into one line on stderr and an exit code.

    ``errors`` are extra exception types that count as data problems (exit 1); ``resume_hint`` is
    printed after an interrupt ("interrupted; <hint>").
    """
    prog = prog or os.path.basename(sys.argv[0] or "main")
    raise_on_sigterm()
    try:
        code = main(argv)
        return EXIT_OK if code is None else code
    except KeyboardInterrupt:
        if _debug(argv):
            raise
        tail = f"; {resume_hint}" if resume_hint else ""
        print(f"{prog}: interrupted{tail}", file=sys.stderr)
        return EXIT_INTERRUPT
    except UsageError as exc:
        if _debug(argv):
            raise
        print(f"{prog}: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, OSError, FloatingPointError, MemoryError) + tuple(errors) as exc:
        if _debug(argv):
            raise
        print(f"{prog}: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_DATA
