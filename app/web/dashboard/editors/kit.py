"""What the editor macros (templates/dashboard/_editors.html) read: the choices each input offers
and the hidden fields each editor carries. Registered as the template global `kit`."""

from __future__ import annotations

from ....domain.documents import pretty
from ....domain.documents.schemas import SUPPORTED_FORMATS
from . import auth, manifest, variables
from .common import carry

__all__ = ["carry", "pretty"]

auth_type_labels = auth.TYPE_LABELS
var_types = variables.TYPE_LABELS
var_formats = SUPPORTED_FORMATS
fork_choices = manifest.FORK_CHOICES
default_hints = {
    "string": "Prefilled for installers; empty for none.",
    "integer": "A whole number; empty for none.",
    "number": "A number; empty for none.",
    "boolean": "true or false; empty for none.",
    "array": 'A JSON list, e.g. ["a", "b"]; empty for none.',
}
auth_hidden = auth.hidden
var_hidden = variables.hidden
var_row_hidden = variables.row_hidden
man_hidden = manifest.hidden


def auth_types() -> dict:
    return auth.types()


def var_carried(row: variables.Field) -> list[str]:
    return list(row.extra) + [f"items.{key}" for key in row.items_extra]
