"""Console entry point. `orderlint --version` answers before importing click or anything else."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        if sys.argv[1:] == ["--version"]:
            from orderlint import __version__

            try:
                sys.stdout.write(f"orderlint {__version__}\n")
                sys.stdout.flush()
            except (OSError, AttributeError) as e:  # disk full, closed standard output
                reason = getattr(e, "strerror", None) or "standard output is closed"
                sys.stderr.write(f"orderlint: error: cannot write to standard output: {reason}\n")
                _discard_stdout()
                sys.exit(2)
            return
        from orderlint.cli import main as cli_main

        cli_main()
    except KeyboardInterrupt:  # Ctrl-C before the command line took over (while importing)
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.stderr.write("orderlint: error: interrupted\n")
        sys.exit(2)


def _discard_stdout() -> None:
    """After a failed write to standard output, point it at the null device so that the
    interpreter's final flush cannot fail again (which would exit 120 with a second message)."""
    import os

    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.close(fd)
    except OSError:
        pass
