#!/usr/bin/env bash
# Mutation testing with mutmut (configured under [tool.mutmut] in pyproject.toml).
#
#   scripts/mutation.sh                       every configured module (hours on 2 cores)
#   scripts/mutation.sh 'bandits.kl_ucb*'     one module: mutant names are module.function__mutmut_N
#   scripts/mutation.sh --results             list the mutants that survived the last run
#
# It is slow and CPU-heavy, so it is not part of CI: it runs at the lowest priority, and a
# second run re-tests only the mutants whose result is missing (delete mutants/ to start over).
# Install it with: pip install -e ".[test,dev]"
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--results" ]]; then
    exec mutmut results
fi
nice -n 19 mutmut run "$@"
mutmut results
