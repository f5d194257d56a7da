"""HTML → PDF with WeasyPrint. The templates are Django templates rendered in the report's
language; the only files WeasyPrint may read are the report assets shipped in this app (fonts,
stylesheet): no network, no other path of the machine."""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSETS = (Path(__file__).resolve().parent / "static" / "reports").resolve()


class AssetsOnlyFetcher(URLFetcher):
    """Serves files below ``ASSETS`` and refuses every other URL."""

    def __init__(self):
        super().__init__(fail_on_errors=True)

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise ValueError(f"Reports may not fetch {parts.scheme or 'relative'} URLs")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(ASSETS) or not path.is_file():
            raise ValueError(f"Reports may only use their own assets, not {path.name}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def render_html(template: str, context: dict, language: str) -> str:
    with translation.override(language):
        return render_to_string(template, {**context, "language": language})


def html_to_pdf(html: str) -> bytes:
    document = HTML(string=html, base_url=ASSETS.as_uri() + "/", url_fetcher=AssetsOnlyFetcher())
    return document.write_pdf(pdf_identifier=b"npm-tracker", uncompressed_pdf=False)
