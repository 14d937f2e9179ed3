"""Installations, as services: confirm a wizard into an installation, and manage installations
afterwards (upgrade, reconfigure, replace credentials, reconnect, uninstall).

- reading.py     a workspace's installations, one an admin acts on, its dependents, what an
                 upgrade changes;
- confirming.py  a confirmed wizard becomes an installation; the record-keeping shared below;
- managing.py    the actions on an installation afterwards.

Each action flushes, writes exactly one audit event and raises typed errors; the request boundary
commits. Secrets never reach an audit diff: audits name the credential's kind and masked form only.
Callers use this package's names (`from ...services import installs`).
"""

from .confirming import confirm_install
from .managing import (
    confirm_upgrade,
    finish_reconnect,
    reconfigure,
    replace_api_key,
    start_reconnect,
    start_upgrade,
    uninstall,
    upgrade_now,
)
from .reading import (
    InstallationRow,
    UpgradeChanges,
    changes_between,
    credential_summary,
    dependents_of,
    installation_in,
    installations_of,
)

__all__ = [
    "InstallationRow",
    "UpgradeChanges",
    "changes_between",
    "confirm_install",
    "confirm_upgrade",
    "credential_summary",
    "dependents_of",
    "finish_reconnect",
    "installation_in",
    "installations_of",
    "reconfigure",
    "replace_api_key",
    "start_reconnect",
    "start_upgrade",
    "uninstall",
    "upgrade_now",
]
