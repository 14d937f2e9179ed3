"""apply_service_error: the one way a service's typed error lands on a form (beside its field, or at
the top of the form), and flash_service_error for pages without a form to hold it."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField

from app.services.errors import Conflict, NotFound, ValidationFailed
from app.web.forms import apply_service_error, flash_service_error
from app.web.install.variables import variables_form


class NameForm(FlaskForm):
    name = StringField("Name")
    manifest = StringField("Manifest")


@pytest.fixture
def form(app):
    with app.test_request_context(method="POST", data={"name": "typed"}):
        yield NameForm(meta={"csrf": False})


def test_an_error_naming_a_field_sits_beside_that_field(form):
    apply_service_error(form, Conflict("That name is taken.", field="name"))
    assert form.name.errors == ["That name is taken."] and form.form_errors == []
    assert form.name.data == "typed"  # what was typed stays


def test_an_error_naming_no_field_of_the_form_goes_to_the_top(form):
    apply_service_error(form, Conflict("Already yanked."))
    apply_service_error(form, ValidationFailed("Pick a role.", field="role"))
    assert form.form_errors == ["Already yanked.", "Pick a role."] and not form.name.errors


def test_each_listed_problem_goes_beside_its_field_documents_with_line_and_path(form):
    error = ValidationFailed(
        "3 problems to fix; nothing was saved.",
        field="name",
        details=[
            {"field": "name", "path": "$.name", "message": "Give it a name."},
            {"document": "manifest", "path": "$.members[0]", "message": "Unknown member.", "line": 4},
            {"field": "visibility", "path": "$.visibility", "message": "Choose one."},
        ],
    )
    apply_service_error(form, error, summary=True)
    assert form.name.errors == ["Give it a name."]
    assert form.manifest.errors == ["line 4, $.members[0]: Unknown member."]
    assert form.form_errors == ["3 problems to fix; nothing was saved.", "Choose one."]


def test_the_summary_is_never_repeated(form):
    apply_service_error(form, ValidationFailed("Restore it first."), summary=True)
    assert form.form_errors == ["Restore it first."]


def test_not_found_is_no_form_problem_it_propagates(form):
    with pytest.raises(NotFound):
        apply_service_error(form, NotFound("No such workspace.", field="name"))
    assert not form.name.errors and not form.form_errors


def test_a_generated_variables_form_gets_problems_by_property(app):
    schema = {"type": "object", "properties": {"data": {"type": "string"}, "region": {"type": "string"}}}
    with app.test_request_context(method="POST"):
        form = variables_form(schema, {}, formdata={})
        error = ValidationFailed(
            "Some settings need another look.",
            details=[
                {"field": "data", "path": "$.data", "message": "Too long."},
                {"field": None, "path": "$", "message": "Unexpected value."},
            ],
        )
        apply_service_error(form, error)
        assert form.variable_fields["data"].errors == ["Too long."]
        assert form.form_errors == ["Unexpected value."]


def test_flash_service_error_flashes_the_first_problem_and_lets_not_found_through(app):
    with app.test_request_context():
        flash_service_error(ValidationFailed("Fix it.", details=[{"field": "x", "message": "Too short."}]))
        flash_service_error(Conflict("Already in the trash."))
        assert get_flashed_messages(with_categories=True) == [
            ("error", "Too short."),
            ("error", "Already in the trash."),
        ]
        with pytest.raises(NotFound):
            flash_service_error(NotFound("No such member."))


def test_details_are_always_a_list():
    assert ValidationFailed("x").details == []
    assert ValidationFailed("x", details=({"message": "m"},)).details == [{"message": "m"}]


def test_the_wizard_reports_variable_problems_as_a_list_of_fields(app):
    from types import SimpleNamespace

    from app.services import wizard

    version = SimpleNamespace(
        variables_schema={
            "type": "object",
            "required": ["region"],
            "properties": {"region": {"type": "string", "enum": ["eu", "us"]}},
        }
    )
    with pytest.raises(ValidationFailed) as caught:
        wizard.validate_variables(version, {"region": "mars"})
    assert isinstance(caught.value.details, list) and caught.value.details
    assert {(p["field"], p["path"]) for p in caught.value.details} == {("region", "$.region")}
    assert all(isinstance(p["message"], str) and p["message"] for p in caught.value.details)
