"""One error style for the three command lines: bad input is one `error:` line and exit 2."""

import json
import subprocess
import sys

import pytest

from bandits import cli_experiments, cli_probability, experiments, probability
from bandits.__main__ import main as bandits_main
from gradients.__main__ import main as gradients_main
from gradients.cli import output_dir, output_file, progress_bar
from nethack_agent.__main__ import main as nethack_main

UNWRITABLE = "/proc/policy-companion-test"  # /proc refuses new files, even to root

# (command line, a phrase the one error line must contain)
BANDITS_CASES = [
    (["lecture", "--plot", "/nonexistent/dir/x.png"], "--plot /nonexistent/dir/x.png"),
    (["testbed", "--out", UNWRITABLE], "--out /proc"),
    (["regret", "--out", UNWRITABLE], "--out /proc"),
    (["probability", "--policy", "thompson", "--history", "a:0,b:1"], "not a bare name"),
    (["probability", "--policy", "thompson", "--history", "a:0 b:1"], "not a bare name"),
    (["probability", "--policy", "thompson", "--arms", "a,b"], "not a bare name"),
    (["lecture", "--seed", "-1"], "--seed: must be >= 0"),
    (["testbed", "--seed", "-2"], "--seed: must be >= 0"),
    (["lectur"], "invalid choice: 'lectur'"),
    ([], "required: command"),
]
GRADIENTS_CASES = [(["exmaple"], "invalid choice: 'exmaple'"), ([], "required: command")]
NETHACK_CASES = [
    (["train", "--run-dir", "{tmp}/r", "--total-steps", "10", "--seed", "-1"], "--seed"),
    (["evaluate", "{tmp}/r", "--seed", "-5"], "must be >= 0, got -5"),
    (["train", "--run-dir", UNWRITABLE, "--total-steps", "10"], "--run-dir"),
    (["evaluate", "{tmp}/r", "--ttyrec", UNWRITABLE], "--ttyrec"),
    (["train", "--run-dir", "{tmp}/r", "--total-steps", "10", "--env", "NetHackScroe-v0"],
     "did you mean NetHackScore-v0?"),
    (["train", "--run-dir", "{tmp}/r", "--total-steps", "10", "--env", "NetHackScroe-v0",
      "--env-api", "gym"], "did you mean NetHackScore-v0?"),
    (["evaluate", "{tmp}/r", "--policy", "greedyy"], "invalid choice: 'greedyy'"),
    (["evaluate", "{tmp}/r"], "no such run directory"),
    (["watch", "{tmp}/r", "--max-steps", "0"], "--max-steps"),
    (["trian"], "invalid choice: 'trian'"),
]  # fmt: skip


CASES = [
    *[(bandits_main, argv, phrase) for argv, phrase in BANDITS_CASES],
    *[(gradients_main, argv, phrase) for argv, phrase in GRADIENTS_CASES],
    *[(nethack_main, argv, phrase) for argv, phrase in NETHACK_CASES],
]


@pytest.mark.parametrize(("main", "argv", "phrase"), CASES)
def test_bad_input_is_one_line_and_exit_2(main, argv, phrase, tmp_path, capsys):
    argv = [a.format(tmp=tmp_path) for a in argv]
    status = main(argv)
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert phrase in captured.err
    assert captured.out == ""
    assert not (tmp_path / "r").exists()  # no run directory left by a failed start


@pytest.mark.parametrize(
    "argv",
    [
        ["nethack_agent", "train", "--run-dir", "{tmp}/r"],
        ["nethack_agent", "evaluate", "{tmp}/r", "--policy", "greedyy"],
        ["bandits", "probability", "--policy", "thompson", "--history", "a:0,b:1"],
        ["gradients", "exmaple"],
    ],
)
def test_end_to_end_one_line_no_traceback(argv, tmp_path):
    argv = [a.format(tmp=tmp_path) for a in argv]
    process = subprocess.run(
        [sys.executable, "-m", *argv], capture_output=True, text=True, check=False
    )
    assert process.returncode == 2
    assert process.stderr.startswith("error: ") and process.stderr.count("\n") == 1


_HELP_IMPORTS = """
import runpy, sys
sys.argv = ["x", "--help"]
try:
    runpy.run_module("{package}", run_name="__main__")
except SystemExit:
    pass
print(" ".join(sorted({{"matplotlib", "numba", "scipy", "nle", "tqdm"}} & set(sys.modules))))
"""


@pytest.mark.parametrize("package", ["bandits", "nethack_agent", "gradients"])
def test_help_imports_no_heavy_module(package):
    process = subprocess.run(
        [sys.executable, "-c", _HELP_IMPORTS.format(package=package)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "usage: python -m" in process.stdout
    assert process.stdout.splitlines()[-1] == ""  # none of them imported


def test_help_is_plain_text_with_defaults(capsys):
    assert bandits_main(["testbed", "--help"]) == 0
    text = capsys.readouterr().out
    assert "``" not in text and "(default: 1000)" in text and "(default: runs/bandits)" in text
    assert nethack_main(["train", "--help"]) == 0
    text = capsys.readouterr().out
    assert "``" not in text and "(default: NetHackScore-v0)" in text and "(default: 0)" in text


def test_lazy_command_tables_match_the_library():
    assert cli_experiments.FIGURE_NAMES == tuple(experiments.FIGURES)
    assert tuple(cli_probability.POLICY_OPTIONS) == tuple(probability.POLICIES)


def test_lecture_prints_the_plot_file_it_wrote(tmp_path, capsys):
    argv = ["lecture", "--samples", "100", "--plot", str(tmp_path / "noext")]
    assert bandits_main(argv) == 0
    written = capsys.readouterr().out.strip().splitlines()[-1].removeprefix("Figure: ")
    assert written == str(tmp_path / "noext.png")
    assert [p.name for p in tmp_path.iterdir()] == ["noext.png"]
    assert bandits_main([*argv, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 5


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
