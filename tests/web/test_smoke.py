from app.extensions import db
from app.models import User


def test_register_login_and_rollback_isolation(client, auth, factories):
    response = client.post_form("/register", {"email": "New@Example.test", "password": "longpassword",
                                              "confirm": "longpassword"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(User).where(User.email == "new@example.test")) is not None
    auth.logout()
    user = factories.UserFactory()
    auth.login(user)
    assert client.get("/workspaces").status_code == 200


def test_previous_test_left_nothing(app):
    assert db.session.scalar(db.select(User).where(User.email == "new@example.test")) is None


def test_healthz(client):
    assert client.get("/healthz").status_code == 200
