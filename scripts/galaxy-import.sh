#!/usr/bin/env bash
# Packaging check: build the collection tarball from the files git knows (tracked and new, not ignored),
# run galaxy-importer on it (offline config scripts/galaxy-importer.cfg; any WARNING or ERROR fails),
# install the tarball and run tests/integration/targets/installed_collection against the installed copy.
# Usage: scripts/galaxy-import.sh DIST_DIR INSTALL_DIR
set -euo pipefail

dist=${1:?usage: $0 DIST_DIR INSTALL_DIR}
install_path=${2:?usage: $0 DIST_DIR INSTALL_DIR}
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dist=$(realpath -m "$dist")
install_path=$(realpath -m "$install_path")
cd "$repo_root"

echo "== ansible-galaxy collection build"
# Build from a staged copy so nothing untracked-and-ignored (caches, local files) ends up in the tarball.
staged=$(scripts/stage-collection.sh build/galaxy-src)
rm -rf "$dist"
mkdir -p "$dist"
ansible-galaxy collection build "$staged" --output-path "$dist"
tarballs=("$dist"/*.tar.gz)
tarball=${tarballs[0]}

echo "== galaxy-importer $tarball"
log="$dist/galaxy-importer.log"
# The importer writes importer_result.json into the current directory.
(cd "$dist" && GALAXY_IMPORTER_CONFIG="$repo_root/scripts/galaxy-importer.cfg" \
    python -m galaxy_importer.main "$tarball") 2>&1 | tee "$log"
if grep -E '^(WARNING|ERROR|CRITICAL):' "$log" >/dev/null; then
    echo "galaxy-importer reported warnings or errors (see above)" >&2
    exit 1
fi

echo "== ansible-galaxy collection install into $install_path"
rm -rf "$install_path"
# Only the install path may be searched: the checkout (build/collections) already "has" the collection.
ANSIBLE_COLLECTIONS_PATH=$install_path \
    ansible-galaxy collection install --offline --no-deps --force -p "$install_path" "$tarball"

echo "== installed_collection target"
scripts/with-emulator.sh tests/integration/targets/installed_collection/runme.sh "$install_path"
