#!/usr/bin/env bash
# Prove the built tarball works once installed: run with ANSIBLE_COLLECTIONS_PATH set to the install
# path only, and HWCLOUD_EMULATOR_URL plus credentials from scripts/with-emulator.sh.
# Usage: runme.sh INSTALL_PATH
set -euo pipefail

install_path=${1:?usage: $0 INSTALL_PATH}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ANSIBLE_COLLECTIONS_PATH=$install_path ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
    ansible-playbook "$here/playbook.yml" -i localhost, -c local \
    -e "install_path=$install_path" -e "ansible_python_interpreter=$(command -v python)"
