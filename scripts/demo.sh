#!/usr/bin/env bash
# The README's first command: install into .venv, start the sandbox (local Zephyr, qTest and Jira
# simulators with a generated project), migrate it with the exact command the sandbox prints,
# show the status, then stop the sandbox. Everything goes to ztoq-output/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
export PATH="$PWD/.venv/bin:$PATH"

out=ztoq-output/demo
rm -rf "$out" && mkdir -p "$out"
ztoq sandbox serve --size small --seed 7 --output-dir "$out" > "$out/sandbox.txt" 2>&1 &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "ztoq workflow run" "$out/sandbox.txt" && break; sleep 0.1; done
head -n 4 "$out/sandbox.txt"
command=$(tail -n 1 "$out/sandbox.txt")
echo "\$ $command"
eval "$command"
ztoq workflow status --project-key SBX --output-dir "$out"
