#!/usr/bin/env bash
# Mutation testing of one package with mutmut ([tool.mutmut] in pyproject.toml).
#
#   scripts/mutation.sh gradients                  every configured module of the package
#   scripts/mutation.sh nethack_agent              the agent's maths, features and answers
#   scripts/mutation.sh bandits 'bandits.kl_ucb*'  only these mutants (module.function__mutmut_N)
#   scripts/mutation.sh bandits --results          the mutants that survived the last run
#   scripts/mutation.sh bandits --sample 150       a seeded random sample of the package's
#                                                  mutants in scope (after a first run has
#                                                  generated them): an estimate of the score
#
# A mutant counts as killed when the package's own tests (tests/test_<package>*.py, and
# tests/test_cli*.py, the command-line conventions every package shares) fail on it. Each
# package runs in its own copy of the work tree, mutation/<package>/ (git-ignored), so the
# three can run side by side; a second run re-tests only the mutants without a result (name
# mutants to re-test them, or delete the folder to start over). It takes hours and uses every
# core, so it is not part of CI and runs at the lowest priority.
# Install it with: pip install -e ".[test,dev]"
set -euo pipefail
# The mutants in scope of each package: the maths, the policies, the probability routes, the
# command lines' argument handling, the agent's learning, features and question answering
# (of the game runner, envs.py, only the answers to the agent's own questions).
declare -A SCOPE=(
    [gradients]="gradients.softmax.* gradients.cross_entropy.* gradients.layer.* gradients.policy.* gradients.numerical.* gradients._validate.* gradients.optim.*"
    [bandits]="bandits.probability.* bandits.policies.* bandits.kl_ucb.* bandits.engine.* bandits.environments.* bandits._checks.* bandits.cli_probability.x_parse_history* bandits.cli_probability.x__policy_params* bandits.cli_probability.x__has_integer_prior* bandits.cli_probability.x__three_ways*"
    [nethack_agent]="nethack_agent.learning.* nethack_agent.policy.* nethack_agent.features.* nethack_agent.actions.* nethack_agent.questions.* nethack_agent.envs.*_answer__*"
)
cd "$(dirname "$0")/.."
package=${1:-}
case "$package" in
    gradients | bandits) tests="test_${package}*.py" ;;
    nethack_agent) tests="test_nethack*.py" ;;
    *)
        echo "error: the first argument must be gradients, bandits or nethack_agent" >&2
        exit 2
        ;;
esac
shift
work="mutation/$package"
if [[ "${1:-}" == "--results" ]]; then
    cd "$work" && exec mutmut results
fi
mkdir -p "$work"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$work"
python - "$package" "$tests" "$work/pyproject.toml" <<'PYTHON'
"""Write the work copy's pyproject.toml: [tool.mutmut] narrowed to one package and its tests."""
import json
import pathlib
import sys
import tomllib

package, pattern, target = sys.argv[1:]
project = tomllib.loads(pathlib.Path("pyproject.toml").read_text())
config = dict(project["tool"]["mutmut"])
config["only_mutate"] = [p for p in config["only_mutate"] if p.startswith(package + "/")]
tests = pathlib.Path("tests")
selected = sorted(str(path) for path in [*tests.glob(pattern), *tests.glob("test_cli*.py")])
config["pytest_add_cli_args_test_selection"] = selected
lines = ["[tool.pytest.ini_options]", 'testpaths = ["tests"]', "", "[tool.mutmut]"]
lines += [f"{key} = {json.dumps(value)}" for key, value in config.items()]
pathlib.Path(target).write_text("\n".join(lines) + "\n")
PYTHON
cd "$work"
read -r -a scope <<<"${SCOPE[$package]}"
if [[ "${1:-}" == "--sample" ]]; then
    mapfile -t sample < <(python - "${2:?--sample needs a number}" "${scope[@]}" <<'PYTHON'
"""A seeded random sample of the generated mutants whose names match the scope."""
import fnmatch
import json
import pathlib
import random
import sys

size, patterns = int(sys.argv[1]), sys.argv[2:]
names = sorted(
    name
    for meta in pathlib.Path("mutants").rglob("*.meta")
    for name in json.loads(meta.read_text())["exit_code_by_key"]
    if any(fnmatch.fnmatch(name, pattern) for pattern in patterns)
)
if not names:
    sys.exit("error: no mutants generated yet: run once without --sample first")
print("\n".join(random.Random(0).sample(names, min(size, len(names)))))
PYTHON
    )
    printf '%s\n' "${sample[@]}" >sample.txt
    set -- "${sample[@]}"
elif [[ $# -eq 0 ]]; then
    set -- "${scope[@]}"
fi
nice -n 19 mutmut run "$@" || true
mutmut results
