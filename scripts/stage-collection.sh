#!/usr/bin/env bash
# Copy the collection (tracked files plus new, not ignored ones) into
#   DEST/ansible_collections/hwcloud/maintenance
# and make that copy a git repository with one commit, as ansible-test requires.
# Usage: scripts/stage-collection.sh DEST
set -euo pipefail

dest_root=${1:?usage: $0 DEST}
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest="$dest_root/ansible_collections/hwcloud/maintenance"

rm -rf "$dest_root"
mkdir -p "$dest"

cd "$repo_root"
# git ls-files still lists tracked files deleted from the work tree: keep only those that exist.
git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' path; do
        if [[ -e $path || -L $path ]]; then printf '%s\0' "$path"; fi
      done \
    | tar --null --files-from=- --create --file=- \
    | tar --extract --file=- --directory="$dest"

cd "$dest"
git init --quiet
git add --all
git -c user.name=ansible-test -c user.email=ansible-test@localhost \
    commit --quiet --no-verify --message "staged copy for ansible-test"
echo "$dest"
