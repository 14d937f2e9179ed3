"""Listing media: uploads re-encoded by Pillow (hostile files refused or defused), served from the
database with immutable caching and ETags, visible only where the listing is, reordered and deleted."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.extensions import db
from app.models import AuditEvent, ListingScreenshot, MediaFile
from app.services import catalog, media
from tests import media_helpers as img
from tests.catalog_helpers import make_cast, make_integration


def _row_count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _setup(factories, state="public", **kwargs):
    cast = make_cast()
    integration = make_integration(state, cast.workspace, **kwargs)
    db.session.commit()  # a refused request rolls its own work back, never the test's setup
    return cast, integration


def _upload(client, integration, kind: str, data: bytes, filename: str, caption: str | None = None, **kw):
    prefix, field, path = {
        "icon": ("icon", "icon", "icon"),
        "shot": ("shot", "screenshot", "screenshots"),
    }[kind]
    token = client.csrf_token()
    form = {f"{prefix}-csrf_token": token, f"{prefix}-{field}": (io.BytesIO(data), filename)}
    if caption is not None:
        form[f"{prefix}-caption"] = caption
    return client.post(
        f"/dashboard/integrations/{integration.id}/media/{path}",
        data=form,
        content_type="multipart/form-data",
        **kw,
    )


def _served(client, path: str, **kw):
    return client.get(path, **kw)


# --- uploads ---------------------------------------------------------------------------------------


def test_icon_upload_sets_icon_url_cards_and_detail(client, auth, factories):
    cast, integration = _setup(factories)
    auth.login(cast.users["admin"])
    response = _upload(client, integration, "icon", img.png((300, 300)), "logo.png")
    assert response.status_code == 302
    assert integration.icon_media is not None and integration.icon_url is None
    path = f"/media/{integration.icon_media}.png"
    api = client.get(f"/api/v1/integrations/{integration.id}").get_json()
    assert api["iconUrl"] == f"http://localhost{path}"
    assert len(api) == 18
    auth.logout()
    assert path in client.get("/integrations").get_data(as_text=True)
    detail = client.get(f"/integrations/{integration.publisher}/{integration.slug}").get_data(as_text=True)
    assert path in detail and "placeholder-icon.svg" not in detail
    served = client.get(path)
    assert served.status_code == 200 and served.content_type == "image/png"
    assert Image.open(io.BytesIO(served.data)).size == (300, 300)
    events = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.object_id == integration.id))
    assert "integration.icon_uploaded" in list(events)


def test_icon_url_is_built_on_public_base_url(client, auth, factories, app, monkeypatch):
    cast, integration = _setup(factories)
    media.set_icon(cast.users["admin"], integration, img.png())
    db.session.commit()
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://market.example.com/")
    api = client.get(f"/api/v1/integrations/{integration.id}").get_json()
    assert api["iconUrl"] == f"https://market.example.com/media/{integration.icon_media}.png"


def test_api_round_trip_keeps_the_upload_and_an_external_url_replaces_it(client, factories):
    cast, integration = _setup(factories)
    admin = cast.users["admin"]
    media.set_icon(admin, integration, img.png())
    db.session.commit()
    uploaded = integration.icon_media
    from app.services import integrations

    integrations.update_integration(
        admin, integration, {"icon_url": f"http://localhost/media/{uploaded}.png"}
    )
    db.session.commit()
    assert integration.icon_media == uploaded
    integrations.update_integration(admin, integration, {"icon_url": "https://cdn.example.test/i.png"})
    db.session.commit()
    assert integration.icon_media is None and integration.icon_url == "https://cdn.example.test/i.png"
    assert db.session.get(MediaFile, uploaded) is None  # nothing names it any more


def test_exif_and_metadata_are_stripped(client, auth, factories):
    cast, integration = _setup(factories)
    auth.login(cast.users["admin"])
    original = img.jpeg_with_exif()
    assert Image.open(io.BytesIO(original)).getexif()  # the upload does carry EXIF
    assert (
        _upload(client, integration, "shot", original, "holiday.jpg", caption="Dashboard").status_code == 302
    )
    shot = media.screenshots_of(integration.id)[0]
    served = client.get(f"/media/{shot.media.filename}")
    assert served.content_type == "image/jpeg"
    kept = Image.open(io.BytesIO(served.data))
    assert not kept.getexif() and "exif" not in kept.info and "comment" not in kept.info
    assert b"SecretCam" not in served.data and b"secret comment" not in served.data


def test_png_polyglot_is_served_as_the_reencoded_image_only(client, auth, factories):
    cast, integration = _setup(factories)
    auth.login(cast.users["admin"])
    assert _upload(client, integration, "shot", img.png_polyglot(), "cat.png").status_code == 302
    shot = media.screenshots_of(integration.id)[0]
    served = client.get(f"/media/{shot.media.filename}")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert (
        b"<script" not in served.data and b"PK\x03\x04" not in served.data and b"evil.html" not in served.data
    )
    assert served.data.endswith(b"IEND\xaeB`\x82")


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (img.gif_html_polyglot(), "funny.png", "is not one, whatever its name says"),
        (img.HTML_PAYLOAD, "page.png", "is not one, whatever its name says"),
        (b"%PDF-1.4 not an image", "doc.jpg", "is not one, whatever its name says"),
        (img.png((4000, 4000), mode="1")[:200], "cut.png", "could not be read"),
        (img.png((8, 8)), "tiny.png", "too small"),
    ],
)
def test_non_images_are_refused_beside_the_field(client, auth, factories, data, filename, message):
    cast, integration = _setup(factories)
    auth.login(cast.users["admin"])
    before = _row_count(MediaFile), _row_count(ListingScreenshot)
    response = _upload(client, integration, "shot", data, filename, caption="kept text")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'value="kept text"' in html
    assert (_row_count(MediaFile), _row_count(ListingScreenshot)) == before


def test_wrong_extension_is_decided_by_content(client, auth, factories):
    cast, integration = _setup(factories)
    auth.login(cast.users["admin"])
    assert _upload(client, integration, "shot", img.png((200, 120)), "really-a-png.jpg").status_code == 302
    assert _upload(client, integration, "shot", img.webp(), "photo.png").status_code == 302
    kinds = [s.media.extension for s in media.screenshots_of(integration.id)]
    assert kinds == ["png", "webp"]
    assert client.get(f"/media/{media.screenshots_of(integration.id)[0].media.sha256}.jpg").status_code == 404


@pytest.mark.parametrize("side", [5000, 20000])
def test_decompression_bomb_is_a_form_error(client, auth, factories, side):
    cast, integration = _setup(factories)
    auth.login(cast.users["admin"])
    bomb = img.png_bomb(side)
    assert len(bomb) < 200_000
    response = _upload(client, integration, "icon", bomb, "bomb.png")
    assert response.status_code == 422
    assert "too many pixels" in response.get_data(as_text=True)
    assert integration.icon_media is None and _row_count(MediaFile) == 0


def test_fifty_megabytes_is_a_clear_error(client, auth, factories):
    cast, integration = _setup(factories)
    auth.login(cast.users["admin"])
    huge = b"\x89PNG\r\n\x1a\n" + b"\0" * (50 * 1024 * 1024)
    response = _upload(client, integration, "shot", huge, "huge.png")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "larger than 5 MB" in html and 'id="shot-screenshot-errors"' in html
    assert _row_count(MediaFile) == 0


def test_upload_needs_its_csrf_token(client, auth, factories):
    cast, integration = _setup(factories)
    auth.login(cast.users["admin"])
    response = client.post(
        f"/dashboard/integrations/{integration.id}/media/icon",
        data={"icon-icon": (io.BytesIO(img.png()), "a.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and integration.icon_media is None


def test_at_most_five_screenshots(client, auth, factories):
    cast, integration = _setup(factories)
    auth.login(cast.users["admin"])
    for n in range(5):
        assert _upload(client, integration, "shot", img.png((100 + n, 100)), f"{n}.png").status_code == 302
    response = _upload(client, integration, "shot", img.png((200, 100)), "six.png")
    assert response.status_code == 422
    assert "at most 5 screenshots" in response.get_data(as_text=True)
    assert len(media.screenshots_of(integration.id)) == 5


def test_members_and_strangers_cannot_upload(client, auth, factories):
    cast, integration = _setup(factories)
    for who in ("member", "other_member"):
        auth.login(cast.users[who])
        assert client.get(f"/dashboard/integrations/{integration.id}/media").status_code == 404
        assert _upload(client, integration, "icon", img.png(), "a.png").status_code == 404
        auth.logout()
    assert integration.icon_media is None


def test_trashed_listing_media_is_read_only(client, auth, factories):
    cast, integration = _setup(factories, state="deleted")
    auth.login(cast.users["admin"])
    response = _upload(client, integration, "icon", img.png(), "a.png")
    assert response.status_code == 409 and integration.icon_media is None


# --- reorder, caption, delete ------------------------------------------------------------------------


def test_reorder_caption_and_delete(client, auth, factories):
    cast, integration = _setup(factories)
    auth.login(cast.users["admin"])
    for n, colour in enumerate([(255, 0, 0), (0, 255, 0), (0, 0, 255)]):
        data = io.BytesIO()
        Image.new("RGB", (120, 80), colour).save(data, format="PNG")
        _upload(client, integration, "shot", data.getvalue(), f"{n}.png", caption=f"Shot {n}")
    shots = media.screenshots_of(integration.id)
    names = [s.caption for s in shots]
    assert names == ["Shot 0", "Shot 1", "Shot 2"]
    base = f"/dashboard/integrations/{integration.id}/media/screenshots"
    assert client.post_form(f"{base}/{shots[2].id}/move", {"direction": "up"}).status_code == 302
    assert [s.caption for s in media.screenshots_of(integration.id)] == ["Shot 0", "Shot 2", "Shot 1"]
    client.post_form(f"{base}/{shots[0].id}/move", {"direction": "up"})  # the first stays first
    assert [s.caption for s in media.screenshots_of(integration.id)] == ["Shot 0", "Shot 2", "Shot 1"]
    response = client.post_form(
        f"{base}/{shots[1].id}/caption",
        {
            f"caption-{shots[1].id}-caption": "Settings page",
            f"caption-{shots[1].id}-csrf_token": client.csrf_token(),
        },
    )
    assert response.status_code == 302 and shots[1].caption == "Settings page"
    deleted_file = shots[0].media_sha256
    assert client.post_form(f"{base}/{shots[0].id}/delete").status_code == 302
    remaining = media.screenshots_of(integration.id)
    assert [s.caption for s in remaining] == ["Shot 2", "Settings page"]
    assert [s.position for s in remaining] == [0, 1]
    assert db.session.get(MediaFile, deleted_file) is None
    auth.logout()
    detail = client.get(f"/integrations/{integration.publisher}/{integration.slug}").get_data(as_text=True)
    assert img.media_paths(detail) == [f"/media/{s.media.filename}" for s in remaining for _ in (0, 1)]
    assert "<figcaption>Settings page</figcaption>" in detail
    assert f'alt="Screenshot 2 of {integration.name}: Settings page (opens full size)"' in detail


def test_another_listings_screenshot_cannot_be_touched(client, auth, factories):
    cast, integration = _setup(factories)
    other_cast, other = _setup(factories)
    shot = media.add_screenshot(other_cast.users["admin"], other, img.png((100, 100)), "theirs")
    db.session.commit()
    auth.login(cast.users["admin"])
    base = f"/dashboard/integrations/{integration.id}/media/screenshots/{shot.id}"
    assert client.post_form(f"{base}/delete").status_code == 404
    assert client.post_form(f"{base}/move", {"direction": "down"}).status_code == 404
    assert db.session.get(ListingScreenshot, shot.id) is not None


# --- serving and visibility ---------------------------------------------------------------------------


def test_public_media_is_immutable_with_an_etag(client, factories):
    cast, integration = _setup(factories)
    media.set_icon(cast.users["admin"], integration, img.png())
    db.session.commit()
    path = f"/media/{integration.icon_media}.png"
    first = client.get(path)
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert first.headers["ETag"] == f'"{integration.icon_media}"'
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    other = client.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


@pytest.mark.parametrize("state", ["private", "draft", "deleted"])
def test_media_of_hidden_listings_never_leaks(client, auth, factories, state):
    cast, integration = _setup(factories, state=state)
    admin = cast.users["admin"]
    integration.deleted_at, deleted_at = None, integration.deleted_at  # upload before the trash
    media.set_icon(admin, integration, img.png((90, 90)))
    db.session.commit()
    shot = media.add_screenshot(admin, integration, img.png((150, 90)), "secret")
    db.session.commit()
    integration.deleted_at = deleted_at
    db.session.commit()
    paths = [f"/media/{integration.icon_media}.png", f"/media/{shot.media.filename}"]
    for path in paths:
        assert client.get(path).status_code == 404
    auth.login(cast.users["other_member"])
    for path in paths:
        assert client.get(path).status_code == 404
    auth.logout()
    auth.login(admin)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-cache"
        assert "public" not in response.headers["Cache-Control"]


def test_unlisted_media_is_served_but_not_listed(client, factories):
    cast, integration = _setup(factories, state="unlisted")
    media.set_icon(cast.users["admin"], integration, img.png())
    db.session.commit()
    path = f"/media/{integration.icon_media}.png"
    assert client.get(path).status_code == 200
    assert path not in client.get("/integrations").get_data(as_text=True)


def test_shared_file_is_public_when_one_public_listing_names_it(client, factories):
    cast, private = _setup(factories, state="private")
    _, public = _setup(factories)
    media.set_icon(cast.users["admin"], private, img.png())
    db.session.commit()
    path = f"/media/{private.icon_media}.png"
    assert client.get(path).status_code == 404
    media.set_icon(_admin_of(public), public, img.png())
    db.session.commit()
    assert public.icon_media == private.icon_media  # one stored file, two listings
    assert client.get(path).headers["Cache-Control"].startswith("public")


def _admin_of(integration):
    from tests.factories import member

    return member(workspace=integration.workspace, role="admin").user


def test_taken_down_listing_media_is_hidden(client, factories):
    cast, integration = _setup(factories)
    media.set_icon(cast.users["admin"], integration, img.png())
    db.session.commit()
    path = f"/media/{integration.icon_media}.png"
    from app.models.base import utcnow

    integration.taken_down_at = utcnow()
    integration.visibility = "private"
    db.session.commit()
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/media/nothing.png", "/media/" + "0" * 64 + ".png", "/media/" + "A" * 64 + ".png", "/media/x.gif"],
)
def test_unknown_media_is_404(client, path):
    assert client.get(path).status_code == 404


def test_catalog_queries_stay_constant_with_icons(client, factories, query_counter):
    cast = make_cast()
    admin = cast.users["admin"]

    def count(url):
        with query_counter as counter:
            assert client.get(url).status_code == 200
        return counter.count

    urls = ("/integrations", "/", f"/publishers/{factories.namespace_for(cast.workspace)}")
    first = make_integration("public", cast.workspace)
    media.set_icon(admin, first, img.png())
    db.session.commit()
    few = [count(url) for url in urls]
    for n in range(12):
        integration = make_integration("public", cast.workspace)
        media.set_icon(admin, integration, img.png((65 + n, 64)))
        db.session.commit()
    many = [count(url) for url in urls]
    assert few == many
    html = client.get("/integrations").get_data(as_text=True)
    assert len(set(img.media_paths(html))) == min(13, catalog.PAGE_SIZE)


def test_the_edit_form_shows_the_uploaded_icon_and_saving_keeps_it(client, auth, factories):
    import re as regex

    from tests.web.publishing_helpers import edit_data

    cast, integration = _setup(factories)
    media.set_icon(cast.users["admin"], integration, img.png())
    db.session.commit()
    uploaded = integration.icon_media
    auth.login(cast.users["admin"])
    page = client.get(f"/dashboard/integrations/{integration.id}").get_data(as_text=True)
    shown = regex.search(r'name="icon_url"[^>]*value="([^"]*)"', page) or regex.search(
        r'value="([^"]*)"[^>]*name="icon_url"', page
    )
    assert shown.group(1) == f"http://localhost/media/{uploaded}.png"
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}", edit_data(integration, icon_url=shown.group(1))
    )
    assert response.status_code == 302
    assert integration.icon_media == uploaded
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}", edit_data(integration, icon_url="")
    )
    assert response.status_code == 302 and integration.icon_media is None


def test_workspace_page_links_its_publisher_profiles(client, auth, factories):
    cast, integration = _setup(factories)
    auth.login(cast.users["admin"])
    html = client.get(f"/workspaces/{cast.workspace.slug}").get_data(as_text=True)
    assert f'href="/publishers/{integration.publisher}"' in html
    assert f'href="/dashboard/publishers/{integration.publisher}"' in html


def test_purge_erases_media_nothing_else_names(client, factories):
    from datetime import timedelta

    from app.models.base import utcnow
    from app.services import publishing

    cast, trashed = _setup(factories)
    _, kept = _setup(factories)
    admin = cast.users["admin"]
    media.set_icon(admin, trashed, img.png((70, 70)))
    own_shot = media.add_screenshot(admin, trashed, img.png((150, 90)), None).media_sha256
    media.set_icon(_admin_of(kept), kept, img.png((70, 70)))  # the same icon, shared
    shared = trashed.icon_media
    trashed.deleted_at = utcnow() - timedelta(days=400)
    db.session.commit()
    summary = publishing.purge(utcnow())
    assert [item.integration_id for item in summary.items] == [trashed.id]
    assert db.session.get(MediaFile, own_shot) is None
    assert db.session.get(MediaFile, shared) is not None


def test_cached_pages_show_new_media_at_once(client, factories):
    cast, integration = _setup(factories)
    admin = cast.users["admin"]
    url = f"/integrations/{integration.publisher}/{integration.slug}"
    assert "/media/" not in client.get(url).get_data(as_text=True)  # now kept in the page cache
    assert "/media/" not in client.get("/integrations").get_data(as_text=True)
    shot = media.add_screenshot(admin, integration, img.png((150, 90)), "First look")
    db.session.commit()
    assert "First look" in client.get(url).get_data(as_text=True)
    media.set_caption(admin, integration, shot.id, "Second look")
    db.session.commit()
    assert "Second look" in client.get(url).get_data(as_text=True)
    media.set_icon(admin, integration, img.png())
    db.session.commit()
    assert f"/media/{integration.icon_media}.png" in client.get("/integrations").get_data(as_text=True)
    media.delete_screenshot(admin, integration, shot.id)
    db.session.commit()
    assert "Second look" not in client.get(url).get_data(as_text=True)
