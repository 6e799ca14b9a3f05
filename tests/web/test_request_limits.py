"""Issue 14, "no request size limit": every request is refused with 413 above MAX_CONTENT_LENGTH before its body is
read; only the pages that take files raise the limit, and only for a logged-in user (or, for the bidder tool's
API, after its HTTP Basic login). The bodies are streams that count what the platform reads, so no test holds
hundreds of MiB in memory."""

from __future__ import annotations

import base64
import io

import pytest

from tests.conftest import login

MIB = 2**20


class CountingStream(io.RawIOBase):
    """``size`` bytes of form data, produced as they are read; ``read_bytes`` says how many were."""

    def __init__(self, size: int):
        self.size, self.position, self.read_bytes = size, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # the test client measures the body by seeking to its end and back
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self.size + offset if whence == 2 else offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = b"a" * count
        self.position += count
        self.read_bytes += count
        return count


def _post(client, path: str, size: int, content_type: str = "application/x-www-form-urlencoded", **kwargs):
    stream = CountingStream(size)
    response = client.post(path, input_stream=stream, content_type=content_type,
                           headers={"Content-Length": str(size), **kwargs.pop("headers", {})}, **kwargs)
    return response, stream


def test_an_anonymous_300_mib_login_post_is_refused_before_it_is_read(app):
    response, stream = _post(app.test_client(), "/auth/login", 300 * MIB)
    assert response.status_code == 413
    assert stream.read_bytes == 0
    page = response.get_data(as_text=True)
    assert "4 MiB" in page and "请求过大" in page


def test_the_refusal_names_the_limit_in_english_too(app):
    client = app.test_client()
    client.post("/language", data={"lang": "en", "next": "/"})
    response, _stream = _post(client, "/auth/login", 300 * MIB, content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The request is too large" in page and "at most 4 MiB" in page


def test_a_body_without_length_is_read_no_further_than_the_limit(make_app):
    """A chunked body (no Content-Length) is read up to the limit and no further: the rest is never looked at."""
    app = make_app(MAX_CONTENT_LENGTH=64 * 1024)
    stream = CountingStream(10 * MIB)
    response = app.test_client().post("/auth/login", input_stream=stream,
                                      content_type="application/x-www-form-urlencoded",
                                      headers={"Transfer-Encoding": "chunked"},
                                      environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code in (200, 400, 413)
    assert stream.read_bytes <= 64 * 1024


def test_the_limit_is_a_setting(make_app):
    app = make_app(MAX_CONTENT_LENGTH=8 * MIB)
    response, _stream = _post(app.test_client(), "/auth/login", 6 * MIB)
    assert response.status_code != 413


@pytest.mark.parametrize("path", ["/lots/1/bid/upload", "/lots/1/bid/seal", "/lots/1/attachments",
                                  "/statistics/import", "/experts/import"])
def test_the_upload_pages_keep_the_global_limit_for_an_anonymous_sender(make_app, path):
    app = make_app(MAX_CONTENT_LENGTH=64 * 1024)
    response, stream = _post(app.test_client(), path, 300 * MIB, content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413 and stream.read_bytes == 0


@pytest.mark.parametrize("username, path, setting", [
    ("bidder1", "/lots/1/bid/upload", "MAX_ENVELOPE_BYTES"), ("bidder1", "/lots/1/bid/seal", "MAX_SEAL_BYTES"),
    ("tenderee1", "/lots/1/attachments", "MAX_ATTACHMENT_BYTES"), ("staff", "/statistics/import", "MAX_IMPORT_BYTES"),
    ("admin", "/experts/import", "MAX_IMPORT_BYTES")])
def test_a_logged_in_user_may_send_a_file_up_to_the_page_s_own_limit(make_app, demo, username, path, setting):
    app = make_app(MAX_CONTENT_LENGTH=64 * 1024, **{setting: 512 * 1024})
    client = app.test_client()
    assert login(client, username).status_code == 302
    response, _stream = _post(client, path, 256 * 1024, content_type="multipart/form-data; boundary=x")
    assert response.status_code != 413  # past the global limit, within the page's
    response, stream = _post(client, path, 4 * MIB, content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413 and stream.read_bytes == 0  # past the page's own limit


def test_the_bidder_tool_api_checks_its_login_before_reading_a_large_envelope(make_app, demo):
    app = make_app(MAX_CONTENT_LENGTH=64 * 1024)
    wrong = "Basic " + base64.b64encode(b"bidder1:wrong-password").decode()
    response, stream = _post(app.test_client(), "/api/lots/1/bids", 256 * 1024,
                             content_type="application/octet-stream", headers={"Authorization": wrong})
    assert response.status_code == 401 and stream.read_bytes == 0
