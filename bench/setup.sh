#!/usr/bin/env bash
# Prepare the comparison tools for the benchmarks (idempotent; safe to rerun).
#
#   bench/.env/jrnl/        a separate venv holding jrnl==4.6 from PyPI
#   bench/.env/jrnl-home/   a throw-away HOME for it: a config pointing at a plain-text
#                           journal (no encryption, no editor), so `jrnl "text"` adds one
#                           entry without asking anything
#
# The residentlog dev venv (.venv at the repo root, package installed editable) must exist.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
env_dir="$here/.env"
venv="$env_dir/jrnl"
home="$env_dir/jrnl-home"
rl_python="$repo/.venv/bin/python"

if [[ ! -x "$rl_python" ]]; then
    echo "setup.sh: no residentlog venv at $repo/.venv (create it and 'pip install -e .[test]' first)" >&2
    exit 1
fi
if ! "$rl_python" -c "import residentlog" 2>/dev/null; then
    echo "setup.sh: residentlog is not importable from $rl_python" >&2
    exit 1
fi

mkdir -p "$env_dir"

# jrnl gets its own venv built from the same base interpreter as residentlog's, so both
# start the same CPython.
base_python="$("$rl_python" -c 'import sys; print(sys._base_executable)')"
if [[ ! -x "$venv/bin/jrnl" ]] || [[ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("jrnl"))' 2>/dev/null)" != "4.6" ]]; then
    rm -rf "$venv"
    "$base_python" -m venv "$venv"
    # pip's output goes to a log (this machine's pip config adds harmless warnings about
    # local index folders); it is shown only if the install fails.
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "jrnl==4.6" \
        >"$env_dir/jrnl-pip.log" 2>&1; then
        cat "$env_dir/jrnl-pip.log" >&2
        echo "setup.sh: installing jrnl==4.6 failed" >&2
        exit 1
    fi
fi

# A config in the temp HOME. jrnl reads $XDG_CONFIG_HOME/jrnl/jrnl.yaml (falling back to
# ~/.config/jrnl/jrnl.yaml); the benchmarks set HOME and XDG_CONFIG_HOME to $home, and pass
# --config-file as well, so no real user config is ever touched.
mkdir -p "$home/jrnl" "$home/.config/jrnl" "$home/journal"
journal="$home/journal/journal.txt"
: > "$journal"
cat > "$home/jrnl/jrnl.yaml" <<EOF
colors:
  body: none
  date: none
  tags: none
  title: none
default_hour: 9
default_minute: 0
editor: ''
encrypt: false
highlight: false
indent_character: '|'
journals:
  default:
    journal: $journal
    encrypt: false
linewrap: 79
tagsymbols: '#@'
template: false
timeformat: '%F %r'
version: v4.6
EOF
cp "$home/jrnl/jrnl.yaml" "$home/.config/jrnl/jrnl.yaml"

# Smoke test: one entry added non-interactively, then the journal emptied again.
HOME="$home" XDG_CONFIG_HOME="$home" "$venv/bin/jrnl" --config-file "$home/jrnl/jrnl.yaml" \
    "setup check entry." </dev/null >/dev/null 2>&1 || {
    echo "setup.sh: jrnl could not add an entry; its output:" >&2
    HOME="$home" XDG_CONFIG_HOME="$home" "$venv/bin/jrnl" --config-file "$home/jrnl/jrnl.yaml" \
        "setup check entry." </dev/null >&2 || true
    exit 1
}
if ! grep -q "setup check entry" "$journal"; then
    echo "setup.sh: jrnl ran but wrote nothing to $journal" >&2
    exit 1
fi
: > "$journal"

echo "jrnl:       $("$venv/bin/jrnl" --version 2>/dev/null | head -1) in $venv"
echo "jrnl HOME:  $home (journal $journal)"
