# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sphinx extension for the offline docsite check build (make docs-lint).

Without network access, intersphinx cannot download the inventories of the Ansible and Python docs, so
references into them (``common_return_values``, ``ansible_configuration_settings``, other collections'
plugins...) cannot be checked. This extension resolves references whose target lies outside this
collection to a search link on the Ansible docsite; references to this collection's own labels
(``ansible_collections.hwcloud.maintenance.*``) are left to Sphinx, so a missing one still fails the
build (the build runs with ``-W``).
"""

from __future__ import annotations

from urllib.parse import quote

from docutils import nodes

OWN_PREFIX = "ansible_collections.hwcloud.maintenance."
SEARCH_URL = "https://docs.ansible.com/projects/ansible/devel/search.html?q="


def resolve_external(app, env, node, contnode):  # pylint: disable=unused-argument  # Sphinx event signature
    """``missing-reference`` handler: link external targets, leave this collection's to Sphinx."""
    target = node.get("reftarget", "")
    if target.startswith(OWN_PREFIX):
        return None
    reference = nodes.reference("", "", internal=False, refuri=SEARCH_URL + quote(target))
    reference.append(contnode)
    return reference


def setup(app):
    """Register the handler before intersphinx's."""
    app.connect("missing-reference", resolve_external, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
