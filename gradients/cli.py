"""Command-line conventions shared by the three packages' commands.

One error style: bad input — a usage error caught by argparse, or a ``ValueError``,
``TypeError`` or ``OSError`` raised before or during the work — is one line ``error: …`` on
stderr and exit status 2, never a traceback; Ctrl-C is exit status 130, after the command has
saved what there is to save. ``--help`` is plain text and shows every default. Progress bars
are tqdm's on a terminal and one short line a minute when stderr goes to a file.

This module imports only the standard library at import time, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "HelpFormatter",
    "Parser",
    "non_negative_int",
    "output_dir",
    "output_file",
    "positive_int",
    "progress_bar",
    "run",
]

EXIT_USAGE = 2
"""exit status of bad input"""
EXIT_INTERRUPTED = 130
"""exit status after Ctrl-C (128 + SIGINT)"""


class HelpFormatter(argparse.HelpFormatter):
    """Plain help text that ends each option's line with its default, when it has one."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or any(default is nothing for nothing in (None, False, argparse.SUPPRESS))
            or not action.option_strings
        ):
            return text
        shown = " ".join(map(str, default)) if isinstance(default, list | tuple) else default
        return f"{text} (default: {shown})".lstrip()


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one ``error:`` line, exit status 2.

    Sub-parsers made by ``add_subparsers().add_parser`` are of the same class and use the same
    help formatter.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Print ``error: PROG: MESSAGE`` on stderr and exit with status 2."""
        print(f"error: {self.prog}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def run(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and call ``args.run(args)``; returns the process exit status.

    Args:
        parser: a parser whose sub-commands set ``run=function(args) -> int``.
        argv: the arguments (None: ``sys.argv[1:]``).

    Returns:
        The command's status; 2 after one ``error:`` line for bad input, 130 after Ctrl-C.
    """
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, or a usage error already printed by Parser.error
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _int_at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


non_negative_int = _int_at_least(0)
"""argparse ``type`` of a seed or a count that may be 0: an integer ≥ 0."""
positive_int = _int_at_least(1)
"""argparse ``type`` of a count: an integer ≥ 1."""


def output_dir(path: str | os.PathLike, option: str) -> Path:
    """Create the output directory ``path`` (and its parents) and check it is writable.

    Call it once the rest of the configuration is valid: it creates the directory.

    Args:
        path: the directory.
        option: the command-line option that named it, for the message.

    Returns:
        ``path`` as a ``Path``.

    Raises:
        ValueError: one line naming the option, when the directory cannot be made or written.
    """
    directory = Path(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        raise ValueError(f"{option} {path}: not a writable directory ({error.strerror})") from None
    return directory


def output_file(path: str | os.PathLike, option: str, suffix: str = "") -> Path:
    """Check that the file ``path`` can be written (its directory must exist); nothing is made.

    Args:
        path: the file.
        option: the command-line option that named it, for the message.
        suffix: added when ``path`` has none (e.g. ``".png"``), so the path returned — and
            printed — is the file that will be written.

    Returns:
        The path of the file to write.

    Raises:
        ValueError: one line naming the option, when the file cannot be written there.
    """
    file = Path(path)
    if suffix and not file.suffix:
        file = file.with_name(file.name + suffix)
    directory = file.parent
    if file.is_dir():
        raise ValueError(f"{option} {path}: is a directory, expected a file")
    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        reason = "no such directory" if not directory.is_dir() else error.strerror
        raise ValueError(f"{option} {path}: cannot write there ({reason})") from None
    return file


class _Lines:
    """A file-like target for tqdm that turns its carriage-return redraws into plain lines."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        line = text.replace("\r", "").strip()
        if line:
            self.stream.write(line + "\n")

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(
    total: float | None = None,
    *,
    disable: bool = False,
    stream: TextIO | None = None,
    **kwargs: Any,
) -> Any:
    """A tqdm progress bar on a terminal; one short line a minute into a file.

    Args:
        total: the expected number of iterations (None: unknown).
        disable: no output at all.
        stream: where it goes (default ``sys.stderr``).
        **kwargs: passed on to ``tqdm.tqdm`` (``unit``, ``desc``, ``initial``, …).

    Returns:
        A ``tqdm.tqdm`` instance.
    """
    from tqdm import tqdm  # imported on use: `--help` does not need it

    stream = sys.stderr if stream is None else stream
    if disable or stream.isatty():
        return tqdm(total=total, disable=disable, file=stream, dynamic_ncols=True, **kwargs)
    counted = "{n_fmt}" if total is None else "{percentage:3.0f}% {n_fmt}/{total_fmt}"
    kwargs.setdefault("bar_format", "{desc}" + counted + " [{elapsed}, {rate_fmt}{postfix}]")

    class Minutely(tqdm):
        def refresh(self, *args: Any, **kwargs: Any) -> None:
            # set_postfix and the first display refresh at once; a file gets a line a minute.
            if self._time() - getattr(self, "last_print_t", self._time()) >= self.mininterval:
                super().refresh(*args, **kwargs)

    return Minutely(total=total, file=_Lines(stream), mininterval=60.0, **kwargs)
