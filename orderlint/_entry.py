"""Console entry point. `orderlint --version` answers before importing click or anything else."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from orderlint import __version__

        sys.stdout.write(f"orderlint {__version__}\n")
        return
    from orderlint.cli import main as cli_main

    cli_main()
