#!/usr/bin/env bash
# Run the integration tests of the front doors on an older ansible-core release.
# Usage: scripts/compat.sh 2.17|2.18 [pytest arguments]
# Makes build/venv-ansible-core-<version> from tests/compat/requirements-ansible-core-<version>.txt (once),
# then runs the integration tests with that venv's ansible-playbook, ansible-inventory and Python (the harness
# reads HWCLOUD_TEST_VENV).
set -euo pipefail

version=${1:?usage: $0 ANSIBLE_CORE_VERSION [pytest arguments]}
shift
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
requirements="$repo_root/tests/compat/requirements-ansible-core-$version.txt"
venv="$repo_root/build/venv-ansible-core-$version"
[[ -f $requirements ]] || { echo "ERROR: no $requirements" >&2; exit 2; }

stamp="$venv/.requirements-installed"
if [[ ! -f $stamp || $requirements -nt $stamp ]]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --requirement "$requirements"
    touch "$stamp"
fi

cd "$repo_root"
"$venv/bin/ansible" --version | sed -n 1p
export HWCLOUD_TEST_VENV="$venv"
# Every integration test that drives ansible-core; not the ones about ansible-builder, ansible-rulebook or the
# official SDK, which do not depend on it.
exec "$venv/bin/python" -m pytest tests/integration \
    --ignore tests/integration/test_execution_environment.py \
    --ignore tests/integration/test_eda_rulebook.py \
    --ignore tests/integration/test_official_sdk.py \
    -p no:cacheprovider "$@"
