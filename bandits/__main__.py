"""Command line: ``python -m bandits {lecture,probability,testbed,regret}``.

Each sub-command lives in its own module at the edge of the package and registers itself
here; a ``ValueError`` or ``TypeError`` raised by bad input becomes one line on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from bandits import cli_experiments, cli_probability


def build_parser() -> argparse.ArgumentParser:
    """The parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="python -m bandits", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    cli_probability.register(subparsers)
    cli_experiments.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command; returns the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
