#!/usr/bin/env bash
# Run `molecule test --all` for every role that has molecule scenarios (roles/*/molecule), each
# against a fresh emulator (scripts/with-emulator.sh). No Docker here: scenarios use the delegated
# (default) driver against localhost.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

shopt -s nullglob
scenario_dirs=(roles/*/molecule)
if [[ ${#scenario_dirs[@]} -eq 0 ]]; then
    echo "NOTICE: no roles/*/molecule directories: molecule skipped."
    exit 0
fi

for scenario_dir in "${scenario_dirs[@]}"; do
    role_dir=$(dirname "$scenario_dir")
    echo "== molecule test --all in $role_dir"
    (cd "$role_dir" && "$repo_root/scripts/with-emulator.sh" molecule test --all)
done
