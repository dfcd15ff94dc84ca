"""One error style for the three command lines: bad input is one `error:` line and exit 2."""

import subprocess
import sys

import pytest

from gradients.cli import output_dir, output_file, progress_bar
from nethack_agent.__main__ import main as nethack_main

UNWRITABLE = "/proc/policy-companion-test"  # /proc refuses new files, even to root

# (command line, a phrase the one error line must contain)
NETHACK_CASES = [
    (["train", "--run-dir", "{tmp}/r", "--total-steps", "10", "--seed", "-1"], "--seed"),
    (["evaluate", "{tmp}/r", "--seed", "-5"], "must be >= 0, got -5"),
    (["train", "--run-dir", UNWRITABLE, "--total-steps", "10"], "--run-dir"),
    (["evaluate", "{tmp}/r", "--ttyrec", UNWRITABLE], "--ttyrec"),
    (["train", "--run-dir", "{tmp}/r", "--total-steps", "10", "--env", "NetHackScroe-v0"],
     "did you mean NetHackScore-v0?"),
    (["evaluate", "{tmp}/r", "--policy", "greedyy"], "invalid choice: 'greedyy'"),
    (["evaluate", "{tmp}/r"], "no such run directory"),
    (["watch", "{tmp}/r", "--max-steps", "0"], "--max-steps"),
    (["trian"], "invalid choice: 'trian'"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "phrase"), NETHACK_CASES)
def test_nethack_bad_input_is_one_line_and_exit_2(argv, phrase, tmp_path, capsys):
    argv = [a.format(tmp=tmp_path) for a in argv]
    try:
        status = nethack_main(argv)
    except SystemExit as exit_:  # argparse's own checks
        status = exit_.code
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert phrase in captured.err
    assert captured.out == ""
    assert not (tmp_path / "r").exists()  # no run directory left by a failed start


def test_nethack_end_to_end_has_no_traceback(tmp_path):
    process = subprocess.run(
        [sys.executable, "-m", "nethack_agent", "train", "--run-dir", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 2
    assert process.stderr.startswith("error: ") and process.stderr.count("\n") == 1


def test_output_paths_are_checked(tmp_path):
    assert output_dir(tmp_path / "a" / "b", "--out").is_dir()
    with pytest.raises(ValueError, match="--out /proc"):
        output_dir(UNWRITABLE, "--out")
    assert output_file(tmp_path / "plot", "--plot", ".png") == tmp_path / "plot.png"
    assert output_file(tmp_path / "plot.svg", "--plot", ".png") == tmp_path / "plot.svg"
    with pytest.raises(ValueError, match="no such directory"):
        output_file(tmp_path / "missing" / "x.png", "--plot")
    with pytest.raises(ValueError, match="is a directory"):
        output_file(tmp_path, "--plot")
    assert list(tmp_path.iterdir()) == [tmp_path / "a"]  # file checks leave nothing behind


class _File:
    """A stream that is not a terminal, like a log file."""

    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass

    def isatty(self):
        return False


def test_progress_into_a_file_is_plain_lines():
    stream = _File()
    bar = progress_bar(1000, stream=stream, unit="step")
    for step in range(1000):
        bar.update(1)
        bar.set_postfix(step=step)
    bar.close()
    lines = stream.text.splitlines()
    assert "\r" not in stream.text and stream.text.endswith("\n")
    assert len(lines) == 1  # the end only: within a minute, nothing in between
    assert "1000/1000" in lines[-1] and len(lines[-1]) <= 100
