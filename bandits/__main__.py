"""Command line: python -m bandits {lecture,probability,testbed,regret,sweep}.

Each sub-command lives in its own module at the edge of the package and registers itself
here. Bad input (a usage error caught by argparse, a ValueError or TypeError raised by the
library, an unwritable output path) is one "error: ..." line on stderr and exit status 2,
never a traceback; Ctrl-C exits with status 130. The sub-commands import numba, scipy and
matplotlib only when they run, so --help is quick.
"""

from __future__ import annotations

import argparse
import sys

from bandits import cli_contextual, cli_experiments, cli_probability, cli_sweep
from gradients.cli import Parser, run


def build_parser() -> argparse.ArgumentParser:
    """The parser of every sub-command."""
    parser = Parser(prog="python -m bandits", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    cli_probability.register(subparsers)
    cli_experiments.register(subparsers)
    cli_sweep.register(subparsers)
    cli_contextual.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command; returns the process exit status."""
    return run(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
