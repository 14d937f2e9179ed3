"""The install wizard, as services: start, resume, move through the steps, leave.

- state.py         loading a user's wizard (access checked on every step), the step rule applied
                   to it, staged secrets, expiry, leaving;
- steps.py         what the installer answers on steps 1, 3 and 4 (workspace and consent, an API
                   key, variables);
- dependencies.py  step 2: what the pinned version depends on, and child wizards that install it.

Step order is decided by app/domain/wizard.py. Secrets a wizard stages (an API key, OAuth tokens,
the PKCE verifier) are Fernet ciphertext in `WizardSession.secret_encrypted`; `data` only ever
holds what may be shown. Callers use this package's names (`from ...services import wizard`).
"""

from .dependencies import (
    DependencyStatus,
    complete_dependencies,
    dependency_cycle,
    dependency_report,
    start_dependency,
)
from .state import (
    WizardExpired,
    cancel,
    complete_step,
    current_step,
    current_version,
    finish,
    forget_all_expired,
    forget_expired,
    initial_data,
    installable_integration,
    live_installation,
    load_wizard,
    may_enter,
    new_wizard,
    open_wizard_for,
    progress_of,
    set_data,
    stage_secret,
    staged_secret,
    steps_of,
    touch,
    version_steps,
    waiting_parent,
)
from .steps import (
    API_KEY_MAX,
    api_key_credential,
    api_key_header_preview,
    installed_in,
    manageable_workspaces,
    own_workspace_version,
    save_api_key,
    save_upgrade_consent,
    save_variables,
    save_workspace_step,
    start_install,
    store_oauth_token,
    validate_variables,
    who_can_install,
)

__all__ = [
    "API_KEY_MAX",
    "DependencyStatus",
    "WizardExpired",
    "api_key_credential",
    "api_key_header_preview",
    "cancel",
    "complete_dependencies",
    "complete_step",
    "current_step",
    "current_version",
    "dependency_cycle",
    "dependency_report",
    "finish",
    "forget_all_expired",
    "forget_expired",
    "initial_data",
    "installed_in",
    "installable_integration",
    "live_installation",
    "load_wizard",
    "manageable_workspaces",
    "own_workspace_version",
    "may_enter",
    "new_wizard",
    "open_wizard_for",
    "progress_of",
    "save_api_key",
    "save_upgrade_consent",
    "save_variables",
    "save_workspace_step",
    "set_data",
    "stage_secret",
    "staged_secret",
    "start_dependency",
    "start_install",
    "steps_of",
    "store_oauth_token",
    "touch",
    "validate_variables",
    "version_steps",
    "waiting_parent",
    "who_can_install",
]
