"""The only way WeasyPrint may load anything while rendering a letter.

Letters carry values typed by police officers. They are escaped by the templates, but the fetcher is
the second wall: it serves files from the letters' own static folder and refuses every other URL
(network, ``data:``, ``file://`` anywhere else, ``..`` and symlinks that lead out).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from weasyprint.urls import URLFetcher, URLFetcherResponse

ERR_REFUSED = "The letter renderer loads only its own static assets."


class FetchRefused(ValueError):
    pass


def letters_static_dir() -> Path:
    return (Path(settings.BASE_DIR) / "static" / "letters").resolve()


class StaticOnlyFetcher(URLFetcher):
    """Serves ``file://`` URLs inside one folder; refuses everything else before any I/O."""

    def __init__(self, root: Path | None = None):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, timeout=1)
        self.root = (root or letters_static_dir()).resolve()
        self.refused: list[str] = []

    @property
    def base_url(self) -> str:
        return self.root.as_uri() + "/"

    def resolve(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise FetchRefused(ERR_REFUSED)
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise FetchRefused(ERR_REFUSED)
        return path

    def fetch(self, url, headers=None):
        try:
            path = self.resolve(url)
        except FetchRefused:
            # Kept for tests and logs; the URL itself is not logged: it may be personal data.
            self.refused.append(url)
            raise
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime_type})
