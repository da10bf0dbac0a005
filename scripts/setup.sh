#!/usr/bin/env bash
# Create .venv in the project root with Python >= 3.12 and install Drumbeat into it.
#   bash scripts/setup.sh          # the core: the model, its kernels, sweeps and reports (make run)
#   bash scripts/setup.sh --all    # plus every extra: app, viz, calibrate, cluster, discover, survival
#   bash scripts/setup.sh --test   # plus the docs and test tools, and Chromium for browser tests (make test)
# Nothing is re-installed when nothing changed: .venv/.drumbeat-setup records what was
# installed, from which pyproject.toml and scripts/constraints.txt (and DRUMBEAT_UNPINNED).
set -euo pipefail
cd "$(dirname "$0")/.."

level=0 extras="" what="the core"
case "${1:-}" in
    "") ;;
    --all) level=1 extras="[all]" what="every extra" ;;
    --test) level=2 extras="[test]" what="every extra and the test tools" ;;
    *) echo "setup: unknown option '$1' (expected --all or --test)" >&2; exit 2 ;;
esac

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

# The interpreter that would have been used, for the one line saying why it was not.
found_python() {
    local c
    for c in "${DRUMBEAT_PYTHON:-}" python3 python; do
        if [[ -n "$c" ]] && command -v "$c" >/dev/null 2>&1; then
            echo "$("$c" --version 2>&1) at $(command -v "$c")"
            return
        fi
    done
    echo "no python3 on PATH"
}

if [[ ! -x .venv/bin/python ]] || ! ok_python .venv/bin/python; then
    py=$(find_python) || {
        echo "setup: Drumbeat needs Python 3.12 or newer; found $(found_python), and none newer on PATH" \
             "or under pyenv: install Python 3.12+ or set DRUMBEAT_PYTHON=/path/to/python3.12" >&2
        exit 1
    }
    echo "setup: creating .venv with $("$py" --version)"
    rm -rf .venv
    "$py" -m venv .venv
fi

# What this set-up installs from: a change to either file, or to DRUMBEAT_UNPINNED, re-installs.
stamp=.venv/.drumbeat-setup
key="$(cat pyproject.toml scripts/constraints.txt | sha256sum | cut -c1-16) unpinned=${DRUMBEAT_UNPINNED:-}"
if [[ -f $stamp ]] && [[ "$(sed -n 1p "$stamp")" == "$key" ]] && (( $(sed -n 2p "$stamp") >= level )); then
    echo "setup: up to date ($(.venv/bin/python --version); nothing changed in pyproject.toml or scripts/constraints.txt)"
    exit 0
fi
rm -f "$stamp"

echo "setup: installing Drumbeat with $what"
.venv/bin/python -m pip install --quiet --upgrade pip
# The versions the committed results were made with (scripts/constraints.txt says why);
# DRUMBEAT_UNPINNED=1 lets pip choose (e.g. on another platform).
pins=(-c scripts/constraints.txt)
[[ -n "${DRUMBEAT_UNPINNED:-}" ]] && pins=()
.venv/bin/python -m pip install --quiet "${pins[@]}" -e ".$extras"
if (( level == 2 )); then
    # Browser tests drive Debian's Chromium through Playwright; nothing is downloaded by Playwright itself.
    if ! command -v chromium >/dev/null 2>&1; then
        if [[ $(id -u) -eq 0 ]]; then
            echo "setup: installing Debian chromium for the browser tests"
            apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
        else
            echo "setup: chromium not found and not root; browser tests will be skipped" >&2
        fi
    fi
fi
# Compile the model's kernels (simulation/kernels/, Numba) now, into their cache beside the
# code, so that no later process - a test, a sweep worker, the teaching app's server - spends
# its first run compiling them (about 5 s).
.venv/bin/python -c "from simulation import DrumbeatModel, load_scenario; DrumbeatModel(load_scenario('baseline', {'years': 2}), 0).run()"
# The teaching app's page ([app] extra) needs Solara's front-end files, which Solara would fetch
# from a CDN at run time; fetch them once now from the npm registry into .venv/share/solara/cdn/.
if (( level == 2 )); then
    .venv/bin/drumbeat teach --prepare-assets
elif (( level == 1 )); then
    .venv/bin/drumbeat teach --prepare-assets || echo "setup: teaching app assets not fetched; 'drumbeat teach' will try again" >&2
fi
printf '%s\n%s\n' "$key" "$level" > "$stamp"
echo "setup: ready ($(.venv/bin/python --version))"
