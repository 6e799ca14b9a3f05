"""The request class: uploads for server-side sealing stay in memory, so the bid's plaintext never touches the
disk (Werkzeug otherwise spools file parts above 500 KB to temporary files)."""

from __future__ import annotations

import io

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge

SEAL_PATH_SUFFIX = "/bid/seal"
MAX_SEAL_BYTES = 64 * 2**20  # what the platform will seal in memory for one bid


class TradingRequest(Request):
    """Flask's request, with in-memory file parts for the server-side sealing form."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        if self.path.endswith(SEAL_PATH_SUFFIX):
            if total_content_length is None or total_content_length > MAX_SEAL_BYTES:
                raise RequestEntityTooLarge()
            return io.BytesIO()
        return super()._get_file_stream(total_content_length, content_type, filename, content_length)
