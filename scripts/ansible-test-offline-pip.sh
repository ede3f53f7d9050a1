#!/usr/bin/env bash
# ansible-test bootstraps pip in each sanity venv with a get-pip.py script it downloads from a host
# outside the package registries (unreachable here and in CI). It first looks for a cached copy in
# ~/.ansible/test/cache/get_pip_<version>.py, so put a stand-in there: it bootstraps the pip bundled
# with Python (ensurepip, no network) and then installs the pip version ansible-test asked for from
# the package index, passing on the same arguments get-pip.py would receive.
# Usage: scripts/ansible-test-offline-pip.sh PYTHON   (the Python that runs ansible-test)
set -euo pipefail

python=${1:?usage: $0 PYTHON}

"$python" - <<'PY'
import inspect
import os
import re

from ansible_test._internal import python_requirements

source = inspect.getsource(python_requirements.get_venv_packages)
match = re.search(r"pip='([0-9.]+)'", source)
if not match:
    raise SystemExit("cannot find the pip version ansible-test bootstraps (get_venv_packages changed?)")
version = match.group(1)

stand_in = '''\
"""Offline stand-in for get-pip.py, written by hwcloud.maintenance scripts/ansible-test-offline-pip.sh."""
import ensurepip
import os
import subprocess
import sys

# ensurepip drops PIP_* variables and sets PIP_CONFIG_FILE=/dev/null in os.environ; the pip install
# below must see the machine's pip configuration (index, certificates), so restore the environment.
environment = dict(os.environ)
ensurepip.bootstrap(upgrade=True)
os.environ.clear()
os.environ.update(environment)
# get-pip.py takes pip-install arguments plus its own --no-setuptools / --no-wheel switches.
args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--quiet", *args]))
'''

cache_dir = os.path.expanduser("~/.ansible/test/cache")
path = os.path.join(cache_dir, "get_pip_%s.py" % version.replace(".", "_"))
os.makedirs(cache_dir, exist_ok=True)
current = open(path).read() if os.path.exists(path) else None
if current != stand_in:
    with open(path, "w") as handle:
        handle.write(stand_in)
    print("ansible-test pip bootstrap stand-in written: %s" % path)
PY
