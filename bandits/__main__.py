"""Command line: ``python -m bandits {lecture,probability,testbed,regret,sweep}``.

Each sub-command lives in its own module at the edge of the package and registers itself
here. Bad input — a usage error caught by argparse, or a ``ValueError``/``TypeError`` raised
by the library — becomes one ``error:`` line on stderr and exit status 2, never a traceback;
Ctrl-C exits with status 130.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from bandits import cli_experiments, cli_probability, cli_sweep


class OneLineErrorParser(argparse.ArgumentParser):
    """An argument parser that reports a usage error as one line (sub-parsers inherit it)."""

    def error(self, message: str) -> NoReturn:
        """Print ``error: PROG: MESSAGE`` on stderr and exit with status 2."""
        print(f"error: {self.prog}: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every sub-command."""
    parser = OneLineErrorParser(prog="python -m bandits", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    cli_probability.register(subparsers)
    cli_experiments.register(subparsers)
    cli_sweep.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command; returns the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
