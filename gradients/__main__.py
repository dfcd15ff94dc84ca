"""Command line of gradients.

python -m gradients example [--json]      the worked softmax example, step by step
python -m gradients train DATASET [...]   train a small network from scratch on digits,
                                          mnist (--data DIR), xor or reverse-binary
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

import numpy as np

from gradients.cli import Parser, non_negative_int, output_file, positive_int, run
from gradients.experiments import DATASETS, DEFAULTS, OPTIMIZERS
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


TRAIN_OPTIONS = (
    ("--epochs", "epochs", positive_int, "passes over the training set"),
    ("--batch-size", "batch_size", positive_int, "examples per optimiser step"),
    ("--lr", "learning_rate", float, "the optimiser's step size, > 0"),
    ("--hidden", "hidden", int, "width of the hidden layer, >= 1"),
    ("--optimizer", "optimizer", str, f"one of {', '.join(OPTIMIZERS)}"),
    ("--momentum", "momentum", float, "SGD's momentum in [0, 1)"),
    ("--dtype", "dtype", str, "float32 or float64"),
    ("--restarts", "restarts", positive_int, "xor: train seeds seed … seed+N−1 and count"),
    ("--data", "data_dir", str, "mnist: the folder of the four IDX files (.gz or not)"),
)
"""flag, Settings field, type, help of the options whose defaults depend on the dataset"""


def build_parser() -> argparse.ArgumentParser:
    """The parser of every sub-command."""
    parser = Parser(prog="python -m gradients", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    example = subparsers.add_parser("example", help="the worked softmax-layer example")
    example.add_argument("--json", action="store_true", help="print the quantities as JSON")
    example.set_defaults(run=_example)
    train = subparsers.add_parser("train", help="train a small network from scratch")
    train.add_argument("dataset", choices=DATASETS)
    for flag, dest, kind, text in TRAIN_OPTIONS:
        train.add_argument(flag, dest=dest, type=kind, help=f"{text} (default: per dataset)")
    train.add_argument(
        "--seed", type=non_negative_int, default=0, help="seeds the split, weights and shuffling"
    )
    train.add_argument("--json", action="store_true", help="print the results as one JSON object")
    train.add_argument("--plot", metavar="FILE", help="write the loss curve (and confusion matrix)")
    train.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    train.set_defaults(run=_train)
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


def _train(args: argparse.Namespace) -> int:
    """Train one network; print its results as text or JSON, and optionally plot them."""
    from gradients.experiments import run as run_experiment

    given = {dest: getattr(args, dest) for _, dest, _, _ in TRAIN_OPTIONS}
    given = {name: value for name, value in given.items() if value is not None}
    settings = dataclasses.replace(DEFAULTS[args.dataset], seed=args.seed, **given)
    plot = output_file(args.plot, "--plot", ".png") if args.plot else None
    result = run_experiment(args.dataset, settings, progress=not args.no_progress)
    if plot is not None:
        from gradients.plots import plot_training

        plot_training(result, plot)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "history"}))
    else:
        print(_report(result))
        # stderr: the printed results stay the same from run to run, timings do not
        print(f"trained in {result['seconds']:.2f} s", file=sys.stderr)
    if plot is not None:
        print(f"figure written to {plot}", file=sys.stderr)
    return 0


def _report(result: dict) -> str:
    """The result in words and tables."""
    settings = result["settings"]
    lines = [
        f"{result['dataset']}: {result['epochs']} epochs"
        + (" (interrupted)" if result["interrupted"] else "")
        + f", batch {settings['batch_size']}, {settings['optimizer']}"
        + f" lr {settings['learning_rate']}"
        + f", hidden {settings['hidden']}, {settings['dtype']}, seed {settings['seed']}",
        f"train accuracy {result['train_accuracy']:.2%} of {result['n_train']}, "
        f"test accuracy {result['test_accuracy']:.2%} of {result['n_test']}",
    ]
    if "confusion" in result:
        lines.append("confusion matrix (rows: true class, columns: predicted)")
        lines += ["  " + " ".join(f"{n:4d}" for n in row) for row in result["confusion"]]
    if result["dataset"] == "xor":
        lines += _xor_lines(result)
    if result["dataset"] == "reverse-binary":
        lines += _reverse_binary_lines(result)
    return "\n".join(lines)


def _xor_lines(result: dict) -> list[str]:
    lines = ["input  target  output"]
    for bits, output in zip(("0 0", "0 1", "1 0", "1 1"), result["outputs"], strict=True):
        lines.append(f" {bits}   {int(bits[0] != bits[2])}      {output[0]:.3f}")
    converged = result["converged"]
    lines.append(
        f"converged (every output within 0.1 of its target): {'yes' if converged else 'no'}"
        + (f", from epoch {result['epochs_to_converge']} on" if converged else "")
    )
    if result["restarts"] > 1:
        lines.append(
            f"over {result['restarts']} seeds: {result['n_converged']} converged, "
            f"failure rate {result['failure_rate']:.0%}"
        )
    return lines


def _reverse_binary_lines(result: dict) -> list[str]:
    from gradients.data import reverse_binary

    split = reverse_binary()
    lines = ["set       input  output  target  right"]
    for name, inputs, outputs, targets in (
        ("train", split.x_train, result["outputs"], split.y_train),
        ("held-out", split.x_test, result["heldout_outputs"], split.y_test),
    ):
        for x, output, target in zip(inputs, np.round(outputs), targets, strict=True):
            right = "yes" if np.array_equal(output, target) else "no"
            lines.append(f"{name:9s} {_bits(x)}   {_bits(output)}    {_bits(target)}    {right}")
    lines.append(
        f"fits the training set: {'yes' if result['train_accuracy'] == 1 else 'no'}; "
        f"held-out accuracy {result['heldout_accuracy']:.0%}; generalisation gap "
        f"{result['generalisation_gap']:.2f}; held-out answers equal to the first-bit-0 twin's: "
        f"{result['heldout_equals_twin']:.0%}"
    )
    return lines


def _bits(values: np.ndarray) -> str:
    return "".join(str(int(v)) for v in values)


def _indent(value: object) -> str:
    return "\n".join("    " + line for line in str(np.asarray(value)).splitlines())


if __name__ == "__main__":
    sys.exit(main())
