"""Command line: python -m gradients example [--json] walks the worked softmax example."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from gradients.cli import Parser, run
from gradients.worked_example import TARGET_CLASS, worked_example

STEPS = (
    ("x", "input x (D = 3)"),
    ("W", "weights W (D × K = 3 × 5)"),
    ("z", "logits z = Wᵀx"),
    ("S", "S = softmax(z)"),
    ("dS_dz", "softmax Jacobian dS_i/dz_j = S_i(δ_ij − S_j)   (K × K)"),
    ("dz_dW", "dz_k/dW[j,i] = x_j if i = k else 0   (K × D × K, explicit, mostly zeros)"),
    ("dS_dW_chain", "dS_t/dW[j,i] by the chain dS/dz · dz/dW   (K × D × K)"),
    ("dS_dW_shortcut", "dS_t/dW[j,i] = S_t(δ_it − S_i)·x_j, the shortcut"),
    ("dS_dW_max_abs_diff", "largest |chain − shortcut| for dS/dW"),
    ("y", f"one-hot target, class {TARGET_CLASS} of 5"),
    ("XE", "cross-entropy XE = −Σ y_c log S_c"),
    ("dXE_dS", "dXE/dS = −y / S"),
    ("dXE_dW_chain", "dXE/dW by the chain dXE/dS · dS/dW   (D × K)"),
    ("dXE_dW_shortcut", "dXE/dW = outer(x, S − y), the shortcut"),
    ("dXE_dW_max_abs_diff", "largest |chain − shortcut| for dXE/dW"),
)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every sub-command."""
    parser = Parser(prog="python -m gradients", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    example = subparsers.add_parser("example", help="the worked softmax-layer example")
    example.add_argument("--json", action="store_true", help="print the quantities as JSON")
    example.set_defaults(run=_example)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command; returns the process exit status."""
    return run(build_parser(), argv)


def _example(args: argparse.Namespace) -> int:
    """Print the worked example step by step, or as JSON with ``--json``."""
    quantities = worked_example()
    if args.json:
        print(json.dumps({name: np.asarray(value).tolist() for name, value in quantities.items()}))
        return 0
    with np.printoptions(precision=8, suppress=True, linewidth=110):
        for number, (name, title) in enumerate(STEPS, start=1):
            print(f"{number:2d}. {title}")
            print(_indent(quantities[name]), end="\n\n")
    return 0


def _indent(value: object) -> str:
    return "\n".join("    " + line for line in str(np.asarray(value)).splitlines())


if __name__ == "__main__":
    sys.exit(main())
