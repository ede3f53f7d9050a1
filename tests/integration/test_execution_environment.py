# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-builder sees the collection's requirements and writes an execution environment build context.

No container is built here (no container engine); ``introspect`` and ``create`` are the steps that read the
collection's ``meta/execution-environment.yml``, ``requirements.txt`` and ``bindep.txt``.
"""

from __future__ import annotations

import subprocess

import yaml

from harness import COLLECTIONS_PATH, VENV_BIN, ensure_collection_link

# The definition the AWX guide (docs/docsite/rst/guide_awx.rst) shows.
DEFINITION = {
    "version": 3,
    "images": {"base_image": {"name": "quay.io/ansible/awx-ee:latest"}},
    "dependencies": {"galaxy": {"collections": [{"name": "hwcloud.maintenance"}]}},
}


def builder(*args, cwd=None):
    return subprocess.run([str(VENV_BIN / "ansible-builder"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=True).stdout


def test_introspect_finds_python_and_system_requirements():
    ensure_collection_link()
    output = builder("introspect", str(COLLECTIONS_PATH))
    data = yaml.safe_load(output)
    python = [line.split("#")[0].strip() for line in data["python"]]
    system = [line.split("#")[0].strip() for line in data["system"]]
    assert python == [line for line in (COLLECTIONS_PATH / "ansible_collections/hwcloud/maintenance/requirements.txt")
                      .read_text().splitlines() if line and not line.startswith("#")]
    assert any(name.startswith("requests") for name in python) and any(name.startswith("pydantic") for name in python)
    assert "python3-pip [platform:rpm platform:dpkg]" in system
    assert all("from collection hwcloud.maintenance" in line for line in data["python"] + data["system"])


def test_create_writes_a_build_context(tmp_path):
    (tmp_path / "execution-environment.yml").write_text(yaml.safe_dump(DEFINITION))
    builder("create", "-f", "execution-environment.yml", "-c", "context", cwd=tmp_path)
    context = tmp_path / "context"
    containerfiles = [p for p in context.iterdir() if p.name in ("Containerfile", "Dockerfile")]
    assert len(containerfiles) == 1
    text = containerfiles[0].read_text()
    assert "quay.io/ansible/awx-ee:latest" in text and "ansible-galaxy collection install" in text.replace("\\\n", "")
    assert yaml.safe_load((context / "_build" / "requirements.yml").read_text()) == {
        "collections": [{"name": "hwcloud.maintenance"}]}
    assert (context / "_build" / "scripts" / "introspect.py").is_file()
