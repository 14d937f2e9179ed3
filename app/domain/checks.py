"""Automated publish checks: each a small pure function with a stable id and a severity.

An `error` blocks the publish (the write API's 422 lists it in `details` with its `check` id); a
`warning` is shown to the publisher (publish page, the API's response) and kept on a review for the
reviewer. Ids never change meaning and are never reused: MP001... Each check reads a PublishContext
that the service (services/publish_checks.py) gathers from the database; nothing here touches it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache

from publicsuffixlist import PublicSuffixList

from .listing_links import links_required, missing_required, required_message
from .namespaces import handle_skeleton
from .review import host_of, scopes_of
from .semver_range import InvalidVersion, parse_version

ERROR, WARNING = "error", "warning"
TIER_RANK = {
    "community": 0,
    "verified_publisher": 1,
    "verified_partner": 2,
    "vendor_official": 3,
    "first_party": 4,
}
ENDPOINT_KEYS = ("authorizeUrl", "tokenUrl", "callbackUrl")


@dataclass(frozen=True)
class Finding:
    check: str
    severity: str
    message: str
    path: str | None = None

    def as_dict(self) -> dict:
        return {"check": self.check, "severity": self.severity, "message": self.message, "path": self.path}


@dataclass(frozen=True)
class Listing:
    """Another publisher's listing, as MP004 compares it."""

    publisher: str
    name: str


@dataclass(frozen=True)
class Dependency:
    key: str  # publisher/slug
    trust_tier: str


@dataclass
class PublishContext:
    version: str
    previous_version: str | None = None
    previous_documents: dict | None = None  # the current version's manifest/variablesSchema/authConfig
    documents: dict = field(default_factory=dict)  # what is being published, same keys
    trust_tier: str = "community"
    production: bool = False
    name: str = ""
    handle: str = ""
    other_listings: list[Listing] = field(default_factory=list)
    other_handles: list[str] = field(default_factory=list)
    dependencies: list[Dependency] = field(default_factory=list)
    variables_in_use: frozenset[str] = frozenset()  # set by at least one live installation
    visibility: str = "private"
    links: dict | None = None  # the listing's links (domain/listing_links.py)
    for_review: bool = False  # this publish waits for staff review

    @property
    def auth(self) -> dict:
        value = self.documents.get("authConfig")
        return value if isinstance(value, dict) else {}

    @property
    def previous_auth(self) -> dict | None:
        if self.previous_documents is None:
            return None
        value = self.previous_documents.get("authConfig")
        return value if isinstance(value, dict) else {}

    def is_major_bump(self) -> bool:
        """True for a first version and for a new major (0.x: a new minor, as semver's caret reads it)."""
        if self.previous_version is None:
            return True
        try:
            old, new = parse_version(self.previous_version), parse_version(self.version)
        except InvalidVersion:
            return False
        if old.major == 0 and new.major == 0:
            return new.minor > old.minor
        return new.major > old.major


@dataclass(frozen=True)
class Check:
    id: str
    severity: str
    title: str
    run: Callable[[PublishContext], list[Finding]]

    @property
    def explanation(self) -> str:
        return " ".join((self.run.__doc__ or "").split())


CHECKS: dict[str, Check] = {}


def check(check_id: str, severity: str, title: str):
    def register(function: Callable[[PublishContext], list[Finding]]):
        CHECKS[check_id] = Check(check_id, severity, title, function)
        return function

    return register


def _finding(check_id: str, message: str, path: str | None = None) -> Finding:
    return Finding(check_id, CHECKS[check_id].severity, message, path)


@check("MP001", WARNING, "New scope in a patch or minor version")
def new_scope_in_minor(ctx: PublishContext) -> list[Finding]:
    """A version that asks for scopes the previous one did not, without a new major version.
    Installers who follow minor updates would be asked for more access than they agreed to;
    publish a new major version (the upgrade asks them to consent again either way)."""
    if ctx.previous_auth is None or ctx.is_major_bump():
        return []
    grown = sorted(set(scopes_of(ctx.auth)) - set(scopes_of(ctx.previous_auth)))
    if not grown:
        return []
    return [
        _finding(
            "MP001",
            f"New scope{'s' if len(grown) > 1 else ''} {', '.join(grown)} in {ctx.version}, not a major "
            f"version after {ctx.previous_version}.",
            "$.authConfig.scopes",
        )
    ]


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list bundled with the package: never fetched


def registrable_domain(host: str) -> str:
    """The registrable domain (eTLD+1) of a host, by the Public Suffix List; an IP address or a
    name without one (localhost) is its own."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    return _suffixes().privatesuffix(host.rstrip(".")) or host


@check("MP002", WARNING, "Authorize and token URLs on different registrable domains")
def split_endpoints(ctx: PublishContext) -> list[Finding]:
    """oauth2 `authorizeUrl` and `tokenUrl` under different registrable domains (by the Public Suffix
    List: `login.example.com` and `api.example.com` are one domain, `example.com` and `example.net` are
    two). Some providers do this; it is also how a listing would send the authorization code to
    someone else, so the reviewer looks."""
    if ctx.auth.get("type") != "oauth2":
        return []
    authorize, token = host_of(ctx.auth.get("authorizeUrl")), host_of(ctx.auth.get("tokenUrl"))
    if not authorize or not token:
        return []
    a, t = registrable_domain(authorize), registrable_domain(token)
    if a == t:
        return []
    return [_finding("MP002", f"authorizeUrl is on {a} but tokenUrl is on {t}.", "$.authConfig.tokenUrl")]


def _endpoint_urls(auth: dict) -> list[tuple[str, str]]:
    urls = [(f"$.authConfig.{key}", auth.get(key)) for key in ENDPOINT_KEYS]
    test = auth.get("test")
    if isinstance(test, dict):
        urls.append(("$.authConfig.test.url", test.get("url")))
    return [(path, url) for path, url in urls if isinstance(url, str) and url.strip()]


@check("MP003", ERROR, "Endpoint not on https in production")
def plain_http_endpoint(ctx: PublishContext) -> list[Finding]:
    """In production every endpoint of the authConfig (authorize, token, callback, connection test)
    must be `https:`: codes, tokens and keys never cross the network in the clear."""
    if not ctx.production:
        return []
    return [
        _finding("MP003", f"{url.split('?')[0][:200]} is not https.", path)
        for path, url in _endpoint_urls(ctx.auth)
        if not url.strip().lower().startswith("https://")
    ]


@lru_cache(maxsize=100_000)
def name_skeleton(name: str) -> str:
    """What a listing's name looks like (TR39 skeleton, case, spaces and separators ignored)."""
    return handle_skeleton(re.sub(r"[\s_.\-]+", "", name))


@check("MP004", WARNING, "Name or handle confusable with another publisher's")
def confusable_identity(ctx: PublishContext) -> list[Finding]:
    """The listing's name, or its publisher handle, looks like (same Unicode TR39 skeleton, case and
    separators ignored) another publisher's listing name or handle: `S1ack` by `tinkerers` beside
    `Slack` by `slack`. Impersonation starts this way; the reviewer decides."""
    found = []
    mine = name_skeleton(ctx.name) if ctx.name else None
    for other in ctx.other_listings:
        if other.publisher != ctx.handle and mine and name_skeleton(other.name) == mine:
            found.append(
                _finding(
                    "MP004",
                    f"The name “{ctx.name}” looks like “{other.name}” by {other.publisher}.",
                    "$.name",
                )
            )
            break
    handle = handle_skeleton(ctx.handle) if ctx.handle else None
    for other_handle in ctx.other_handles:
        if other_handle != ctx.handle and handle and handle_skeleton(other_handle) == handle:
            found.append(
                _finding("MP004", f"The publisher “{ctx.handle}” looks like “{other_handle}”.", "$.publisher")
            )
            break
    return found


@check("MP005", WARNING, "Dependency on a lower-trust integration")
def lower_trust_dependency(ctx: PublishContext) -> list[Finding]:
    """A dependency whose trust tier is below this listing's: installers trust this listing's tier and
    get the dependency installed with it."""
    own = TIER_RANK.get(ctx.trust_tier, 0)
    return [
        _finding(
            "MP005",
            f"{dep.key} is {dep.trust_tier.replace('_', ' ')}, below this listing's "
            f"{ctx.trust_tier.replace('_', ' ')}.",
            f"$.manifest.dependencies[{i}]",
        )
        for i, dep in enumerate(ctx.dependencies)
        if TIER_RANK.get(dep.trust_tier, 0) < own
    ]


def _variable_types(documents: dict | None) -> dict[str, object]:
    schema = (documents or {}).get("variablesSchema")
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return {}
    return {
        key: (
            value.get("type"),
            (value.get("items") or {}).get("type") if isinstance(value.get("items"), dict) else None,
        )
        for key, value in properties.items()
        if isinstance(value, dict)
    }


@check("MP006", ERROR, "Variable in use removed or retyped without a major version")
def variable_in_use_changed(ctx: PublishContext) -> list[Finding]:
    """A variable that existing installations have set is removed or changes type in a patch or minor
    version: their values would no longer fit. Keep it, or publish a new major version (upgrading
    installations then re-enter it)."""
    if ctx.previous_documents is None or ctx.is_major_bump():
        return []
    before, after = _variable_types(ctx.previous_documents), _variable_types(ctx.documents)
    found = []
    for key in sorted(ctx.variables_in_use & set(before)):
        if key not in after:
            found.append(
                _finding(
                    "MP006",
                    f"“{key}” is removed, but installations have set it.",
                    f"$.variablesSchema.properties.{key}",
                )
            )
        elif after[key] != before[key]:
            found.append(
                _finding(
                    "MP006",
                    f"“{key}” changes type, but installations have set it.",
                    f"$.variablesSchema.properties.{key}",
                )
            )
    return found


@check("MP007", ERROR, "Privacy policy or support link missing")
def required_links_missing(ctx: PublishContext) -> list[Finding]:
    """A listing above `community` that is public, or whose version is submitted for staff review,
    needs a privacy policy link and a support link: installers must be able to read what happens to
    their data and reach the publisher. Add them in the listing's details in the dashboard."""
    if not links_required(ctx.trust_tier, ctx.visibility == "public", ctx.for_review):
        return []
    missing = missing_required(ctx.links)
    if not missing:
        return []
    return [_finding("MP007", required_message(missing), f"$.links.{missing[0]}")]


def run_checks(ctx: PublishContext) -> list[Finding]:
    """Every check, in id order."""
    return [finding for check_id in sorted(CHECKS) for finding in CHECKS[check_id].run(ctx)]


def check_by_id(check_id: str) -> Check | None:
    return CHECKS.get(check_id)
