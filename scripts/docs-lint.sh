#!/usr/bin/env bash
# Documentation checks:
#  1. antsibull-docs lint-collection-docs: plugin docs (schema, markup, references), extra docs
#     (docs/docsite/extra-docs.yml, links.yml, rst) and references from them;
#  2. a Sphinx build of the collection docsite (antsibull-docs sphinx-init + build.sh, warnings are errors),
#     offline: no intersphinx downloads, references outside this collection are not checked;
#  3. ansible-doc of every plugin and role (scripts/ansible-doc-all.py).
# Usage: scripts/docs-lint.sh DOCSITE_DIR. Needs ANSIBLE_COLLECTIONS_PATH with the collection (make docs-lint).
set -euo pipefail

docsite=${1:?usage: $0 DOCSITE_DIR}
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

echo "== antsibull-docs lint-collection-docs"
antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs \
    --validate-collection-refs dependent .

echo "== docsite build in $docsite"
rm -rf "$docsite"
# antsibull-docs wants a destination directory that only its owner can write to.
mkdir -p "$docsite"
chmod 755 "$docsite"
antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir "$docsite" hwcloud.maintenance >/dev/null
cat >>"$docsite/conf.py" <<PY

# --- offline check build (scripts/docs-lint.sh): no intersphinx downloads ---
import sys
sys.path.insert(0, "$repo_root/scripts")
extensions.append("sphinx_offline_refs")
intersphinx_mapping = {}
PY
bash "$docsite/build.sh"

echo "== ansible-doc of every plugin and role"
python scripts/ansible-doc-all.py
