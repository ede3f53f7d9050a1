#!/usr/bin/env bash
# Run ansible-test sanity on a staged copy of the collection (ansible-test needs the collection at
# .../ansible_collections/<namespace>/<name> inside a git repository).
# Usage: scripts/sanity.sh [extra ansible-test sanity arguments]
# Expects the venv's bin directory first on PATH (the Makefile does that).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stage_root="$repo_root/build/ansible-test"
python_version=3.11

"$repo_root/scripts/ansible-test-offline-pip.sh" python
collection=$("$repo_root/scripts/stage-collection.sh" "$stage_root")

cd "$collection"
# The staged copy is self-contained: nothing from the outer environment may point back at the checkout.
unset ANSIBLE_COLLECTIONS_PATH PYTHONPATH
# All sanity tests run, none is skipped and there are no ignore files.
# --requirements: each test gets its own venv under ~/.ansible/test/venv with ansible-test's pins,
# created once per machine and reused afterwards.
exec ansible-test sanity --python "$python_version" --requirements --color no "$@"
