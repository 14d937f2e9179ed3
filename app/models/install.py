"""Installations, their member records and credentials, and install-wizard state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import JSONDocument, TimestampMixin, UTCDateTime, id_column

LIVE_STATUSES = ("active", "needs_attention")


class Installation(TimestampMixin, db.Model):
    __tablename__ = "installations"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'needs_attention', 'uninstalled')", name="status"),
        # At most one live installation per (workspace, integration).
        Index(
            "uq_installations_live",
            "workspace_id",
            "integration_id",
            unique=True,
            sqlite_where=text("status != 'uninstalled'"),
            postgresql_where=text("status != 'uninstalled'"),
        ),
    )

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True
    )
    integration_id: Mapped[str] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version_id: Mapped[str] = mapped_column(
        ForeignKey("integration_versions.id", ondelete="CASCADE"), nullable=False
    )
    variables: Mapped[dict] = mapped_column(JSONDocument, nullable=False, default=dict)
    granted_scopes: Mapped[list] = mapped_column(JSONDocument, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    installed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    uninstalled_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The last connection test (authConfig.test; services/connection_check.py): when, whether the
    # expected status came back, and what came back instead (a status code or a fixed error code).
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    check_ok: Mapped[bool | None] = mapped_column(Boolean)
    check_detail: Mapped[str | None] = mapped_column(String(40))
    check_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    workspace = relationship("Workspace")
    integration = relationship("Integration")
    version = relationship("IntegrationVersion")
    installer = relationship("User", foreign_keys=[installed_by])
    members = relationship("InstallationMember", back_populates="installation", cascade="all, delete-orphan")
    credential = relationship(
        "Credential", back_populates="installation", uselist=False, cascade="all, delete-orphan"
    )

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class InstallationMember(db.Model):
    """A manifest member as installed: a fork copied into the workspace, or a link that follows upgrades."""

    __tablename__ = "installation_members"
    __table_args__ = (CheckConstraint("mode IN ('fork', 'linked')", name="mode"),)

    id: Mapped[str] = id_column()
    installation_id: Mapped[str] = mapped_column(
        ForeignKey("installations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    member_key: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[str] = mapped_column(String(50), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    mode: Mapped[str] = mapped_column(String(10), nullable=False)
    # For forks: the member definition as copied at install time (editable by the workspace).
    definition: Mapped[dict | None] = mapped_column(JSONDocument)

    installation = relationship("Installation", back_populates="members")


class Credential(TimestampMixin, db.Model):
    """The secret side of an installation. `secret_encrypted` is Fernet ciphertext of a JSON
    document (tokens or the API key); nothing secret is ever stored in clear."""

    __tablename__ = "credentials"
    __table_args__ = (CheckConstraint("kind IN ('oauth2', 'api_key')", name="kind"),)

    id: Mapped[str] = id_column()
    installation_id: Mapped[str] = mapped_column(
        ForeignKey("installations.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    secret_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Token refresh (services/token_refresh.py): a refresher owns the credential until then (an
    # atomic UPDATE ... WHERE claims it), so one credential is never refreshed twice at once.
    refresh_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the provider refused a refresh: the OAuth2 error class (e.g. invalid_grant), never
    # its body. The installation then needs re-authorisation (Reconnect clears it).
    reauth_reason: Mapped[str | None] = mapped_column(String(40))

    installation = relationship("Installation", back_populates="credential")

    @property
    def needs_reauthorisation(self) -> bool:
        return self.reauth_reason is not None


class WizardSession(TimestampMixin, db.Model):
    """Install-wizard state, in the database so it resumes on any app process. Bound to one user."""

    __tablename__ = "wizard_sessions"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    integration_id: Mapped[str] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), nullable=False
    )
    workspace_id: Mapped[str | None] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    version_id: Mapped[str | None] = mapped_column(ForeignKey("integration_versions.id", ondelete="CASCADE"))
    # Upgrades and reconnects reuse the wizard for an existing installation.
    installation_id: Mapped[str | None] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20), nullable=False, default="install")
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("wizard_sessions.id", ondelete="SET NULL"))
    step: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    completed_steps: Mapped[list] = mapped_column(JSONDocument, nullable=False, default=list)
    # Non-secret state: chosen workspace, consent, variables typed so far.
    data: Mapped[dict] = mapped_column(JSONDocument, nullable=False, default=dict)
    # Secret state (staged credential, PKCE verifier): Fernet ciphertext.
    secret_encrypted: Mapped[str | None] = mapped_column(Text)
    # One-time OAuth2 state: only its SHA-256 is stored; consumed on first use.
    oauth_state_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    oauth_issuer: Mapped[str | None] = mapped_column(String(2048))
    oauth_state_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")
    integration = relationship("Integration")
    workspace = relationship("Workspace")
    version = relationship("IntegrationVersion")
