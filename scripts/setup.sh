#!/usr/bin/env bash
# Create .venv in the project root with Python >= 3.12 and install Drumbeat into it.
#   bash scripts/setup.sh          # the model and its command line
#   bash scripts/setup.sh --test   # plus the test tools and headless Chromium for browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

ok_python() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }

find_python() {
    local c
    for c in "${DRUMBEAT_PYTHON:-}" python3.13 python3.12 python3; do
        [[ -n "$c" ]] && command -v "$c" >/dev/null 2>&1 && ok_python "$c" && { command -v "$c"; return; }
    done
    # pyenv keeps interpreters that are not on PATH (the default python3 here is 3.11)
    local root
    root=$( (command -v pyenv >/dev/null && pyenv root) || echo "${PYENV_ROOT:-$HOME/.pyenv}")
    for c in $(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -V -r); do
        ok_python "$c/bin/python" && { echo "$c/bin/python"; return; }
    done
    return 1
}

if [[ ! -x .venv/bin/python ]] || ! ok_python .venv/bin/python; then
    py=$(find_python) || { echo "setup: no Python >= 3.12 found (tried PATH and pyenv); set DRUMBEAT_PYTHON" >&2; exit 1; }
    echo "setup: creating .venv with $("$py" --version)"
    rm -rf .venv
    "$py" -m venv .venv
fi

.venv/bin/python -m pip install --quiet --upgrade pip
# The versions the committed results were made with (scripts/constraints.txt says why);
# DRUMBEAT_UNPINNED=1 lets pip choose (e.g. on another platform).
pins=(-c scripts/constraints.txt)
[[ -n "${DRUMBEAT_UNPINNED:-}" ]] && pins=()
if (( want_test )); then
    .venv/bin/python -m pip install --quiet "${pins[@]}" -e ".[test]"
    # Browser tests drive Debian's Chromium through Playwright; nothing is downloaded by Playwright itself.
    if ! command -v chromium >/dev/null 2>&1; then
        if [[ $(id -u) -eq 0 ]]; then
            echo "setup: installing Debian chromium for the browser tests"
            apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
        else
            echo "setup: chromium not found and not root; browser tests will be skipped" >&2
        fi
    fi
else
    .venv/bin/python -m pip install --quiet "${pins[@]}" -e .
fi
# Compile the model's kernels (simulation/kernels/, Numba) now, into their cache beside the
# code, so that no later process - a test, a sweep worker, the teaching app's server - spends
# its first run compiling them (about 5 s).
.venv/bin/python -c "from simulation import DrumbeatModel, load_scenario; DrumbeatModel(load_scenario('baseline', {'years': 2}), 0).run()"
# The teaching app's page needs Solara's front-end files, which Solara would fetch from a CDN at
# run time; fetch them once now from the npm registry into .venv/share/solara/cdn/.
if (( want_test )); then
    .venv/bin/drumbeat teach --prepare-assets
else
    .venv/bin/drumbeat teach --prepare-assets || echo "setup: teaching app assets not fetched; 'drumbeat teach' will try again" >&2
fi
echo "setup: ready ($(.venv/bin/python --version))"
