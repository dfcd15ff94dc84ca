"""The documentation cannot go stale: every marked block of docs/*.md is run and compared.

The convention (docs/contributing.md): an HTML comment on the line right above a fenced block

- ``<!-- test: output -->`` above a ```` ```console ```` block: each line ``$ COMMAND`` is run
  (``python`` is this interpreter) in a fresh directory shared by the page, and what it prints
  on stdout must equal the lines under it, up to the next ``$`` line, numbers included (shown
  output that starts with ``error: `` is stderr, and the exit status must be 2);
- ``<!-- test: run -->`` above a ```` ```python ```` block: the block is executed (the blocks
  of one page share a namespace, in order); a block written as ``>>>`` examples is checked
  with doctest;
- ``<!-- test: skip REASON -->``: not run (a command that trains for minutes, say).

Pages in ``CHECKED_PAGES`` must mark every ``console`` and ``python`` block with one of the
three; other pages are run where they are marked. ``python tests/test_docs.py --update``
rewrites the shown output of every ``test: output`` block with what the commands print today.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CHECKED_PAGES = (
    "index.md",
    "getting-started.md",
    "probabilities.md",
    "experiments.md",
    "gradients.md",
    "nethack.md",
    "contributing.md",
)
"""pages whose every console and python block must be marked (the finish helper's pages)"""

_MARK = re.compile(r"^<!-- test: (output|run|skip)\b.*-->\s*$")
_FENCE = re.compile(r"^```(\w*)")


@dataclass
class Block:
    """One fenced block of a page."""

    page: str
    line: int
    """1-based line number of the opening fence"""
    language: str
    mark: str | None
    """output, run, skip, or None when unmarked"""
    lines: list[str]


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of ``page``, each with the marker on the line above, if any."""
    found = []
    text = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(text):
        fence = _FENCE.match(text[i])
        if fence is None:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(text)) if text[j].startswith("```"))
        mark = _MARK.match(text[i - 1]) if i > 0 else None
        found.append(
            Block(
                page=page.name,
                line=i + 1,
                language=fence.group(1),
                mark=mark.group(1) if mark else None,
                lines=text[i + 1 : end],
            )
        )
        i = end + 1
    return found


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """The ``(command, shown output lines)`` pairs of a console block."""
    pairs: list[tuple[str, list[str]]] = []
    for line in block.lines:
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        elif pairs:
            pairs[-1][1].append(line)
    return pairs


def run_command(command: str, cwd: Path, fails: bool = False) -> str:
    """Run one shown command the way a reader would; returns its stdout (stderr if it fails)."""
    argv = shlex.split(command)
    if argv[0] == "python":
        argv[0] = sys.executable
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    process = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if fails:
        assert process.returncode == 2, f"{command!r} exited {process.returncode}, expected 2"
        return process.stderr
    assert process.returncode == 0, f"{command!r} failed:\n{process.stderr}"
    return process.stdout


def _fails(shown: list[str]) -> bool:
    return bool(shown) and shown[0].startswith("error: ")


def _normal(lines: list[str]) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def _marked(page: Path) -> list[Block]:
    return [b for b in blocks(page) if b.mark in ("output", "run")]


def _page_cases() -> list:
    return [
        pytest.param(page, id=str(page.relative_to(DOCS))) for page in _pages() if _marked(page)
    ]


@pytest.mark.parametrize("page", _page_cases())
def test_marked_blocks_print_what_the_page_shows(page, monkeypatch):
    namespace: dict = {"__name__": f"docs.{page.stem}"}
    with tempfile.TemporaryDirectory() as work:
        monkeypatch.chdir(work)
        for block in _marked(page):
            where = f"{block.page}:{block.line}"
            if block.mark == "output":
                assert block.language == "console", f"{where}: test: output needs a console block"
                for command, shown in commands(block):
                    printed = run_command(command, Path(work), _fails(shown)).splitlines()
                    assert _normal(printed) == _normal(shown), f"{where}: $ {command}"
            else:
                assert block.language == "python", f"{where}: test: run needs a python block"
                code = "\n".join(block.lines)
                if code.lstrip().startswith(">>>"):
                    test = doctest.DocTestParser().get_doctest(
                        code, namespace, where, str(page), block.line
                    )
                    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
                    runner.run(test, clear_globs=False)
                    assert runner.failures == 0, f"{where}: doctest failed (see stdout)"
                else:
                    exec(compile(code, where, "exec"), namespace)  # noqa: S102


@pytest.mark.parametrize("name", CHECKED_PAGES)
def test_checked_pages_mark_every_block(name):
    page = DOCS / name
    assert page.exists(), f"docs/{name} is missing"
    unmarked = [
        f"{b.page}:{b.line}"
        for b in blocks(page)
        if b.language in ("console", "python") and b.mark is None
    ]
    assert not unmarked, f"mark these blocks (docs/contributing.md): {unmarked}"


def test_site_builds_strict(tmp_path):
    """``mkdocs build --strict`` (as .ci/run): a broken link or docstring fails here first."""
    pytest.importorskip("mkdocstrings", reason="the docs extra is not installed")
    process = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert process.returncode == 0, process.stderr


def update() -> None:
    """Rewrite the shown output of every ``test: output`` block with today's output."""
    for page in _pages():
        text = page.read_text(encoding="utf-8").splitlines()
        changed = False
        replacements = []
        with tempfile.TemporaryDirectory() as work:
            for block in [b for b in blocks(page) if b.mark == "output"]:  # in page order
                new = []
                for command, shown in commands(block):
                    printed = run_command(command, Path(work), _fails(shown)).splitlines()
                    new += [f"$ {command}", *_normal(printed)]
                replacements.append((block, new))
        for block, new in reversed(replacements):  # from the end: line numbers stay valid
            if new != block.lines:
                text[block.line : block.line + len(block.lines)] = new
                changed = True
        if changed:
            page.write_text("\n".join(text) + "\n", encoding="utf-8")
            print(f"updated {page.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_docs.py --update")
    update()
