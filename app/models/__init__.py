"""All models, imported here so Alembic and the app see one metadata."""

from .account import ApiToken, User, normalise_email
from .audit import AuditEvent
from .demo_oauth import DemoOAuthCode, DemoOAuthToken
from .idempotency import IdempotencyKey
from .install import Credential, Installation, InstallationMember, WizardSession
from .integration import Integration, IntegrationVersion
from .workspace import HandleGrant, Membership, PublisherNamespace, ReservedHandle, Workspace

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Credential",
    "DemoOAuthCode",
    "DemoOAuthToken",
    "HandleGrant",
    "IdempotencyKey",
    "Installation",
    "InstallationMember",
    "Integration",
    "IntegrationVersion",
    "Membership",
    "PublisherNamespace",
    "ReservedHandle",
    "User",
    "WizardSession",
    "Workspace",
    "normalise_email",
]
