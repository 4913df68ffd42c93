"""Printed documents: render a Django template to PDF with WeasyPrint.

- Chinese glyphs come from the vendored font at ``settings.PDF_FONT_PATH``, loaded by an ``@font-face`` rule
  with an absolute ``file://`` URL and put first in the font stack, so a PDF made on a machine without any CJK
  font still embeds them (WeasyPrint subsets the font). The vendored font has no Latin glyphs: digits and
  letters fall back to the next family in the stack (the system's default sans-serif).
- Rendering never touches the network: the URL fetcher only allows ``data:`` URLs and files under ``static/``
  and the font's folder. Relative URLs in a PDF template resolve against ``static/``; pass pictures that live
  in storage (photos) as ``data:`` URLs (see :func:`image_data_url`).
- The FontConfiguration (which copies the 4 MB font into a temporary folder) is built once per process and
  thread; Pango font maps must not be shared between threads.

Templates extend ``templates/pdf/base.html``; printed documents are Chinese only, like the paper forms.
"""
from __future__ import annotations

import atexit
import base64
import logging
import mimetypes
import re
import shutil
import threading
import weakref
from pathlib import Path
from urllib.parse import quote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

#: The font-family name of the vendored CJK face; templates may refer to it, the base stylesheet uses it.
#: WeasyPrint names the embedded font after it ("ABCDEF+DroidSansFallback-Vendored"), which tells it apart from a
#: system copy of the same font ("Droid-Sans-Fallback").
FONT_FAMILY = "DroidSansFallback Vendored"
#: The vendored Latin face (digits, letters): Droid Sans Fallback has CJK glyphs only.
LATIN_FAMILY = "DejaVuSans Vendored"
PDF_LANGUAGE = "zh-hans"

_local = threading.local()
_created_configs: weakref.WeakSet = weakref.WeakSet()  # live FontConfigurations, cleaned at exit
_created_lock = threading.Lock()


@atexit.register
def _remove_font_folders() -> None:
    # FontConfiguration.__del__ removes its folder, but at interpreter exit it runs too late (module globals
    # are gone) and prints a TypeError; clean up while the interpreter is still whole.
    with _created_lock:
        for config in list(_created_configs):
            folder, config._folder = getattr(config, "_folder", None), None
            if folder:
                shutil.rmtree(folder, ignore_errors=True)
        _created_configs.clear()


def font_path() -> Path:
    return Path(settings.PDF_FONT_PATH).resolve()


def _base_dir() -> Path:
    return (Path(settings.BASE_DIR) / "static").resolve()


def _font_css() -> str:
    latin = font_path().parent / "DejaVuSans.ttf"
    latin_bold = font_path().parent / "DejaVuSans-Bold.ttf"
    return f"""
@font-face {{
  font-family: "{FONT_FAMILY}";
  src: url("{font_path().as_uri()}") format("truetype");
}}
@font-face {{
  font-family: "{LATIN_FAMILY}";
  src: url("{latin.as_uri()}") format("truetype");
}}
@font-face {{
  font-family: "{LATIN_FAMILY}";
  font-weight: bold;
  src: url("{latin_bold.as_uri()}") format("truetype");
}}
html {{ font-family: "{LATIN_FAMILY}", "{FONT_FAMILY}", sans-serif; }}
@page {{ font-family: "{LATIN_FAMILY}", "{FONT_FAMILY}", sans-serif; }}
"""


def _url_fetcher():
    """A fetcher limited to data: URLs and files under static/ and the font's folder (no network)."""
    from weasyprint import URLFetcher

    roots = (_base_dir(), font_path().parent)

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.lower().startswith("file:"):
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if not any(path == root or path.is_relative_to(root) for root in roots):
                    raise ValueError(f"PDF rendering may not read {path}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols=("file", "data"))


def _fonts():
    """(FontConfiguration, font stylesheet) for this process and thread, built on first use."""
    cached = getattr(_local, "fonts", None)
    key = str(font_path())
    if cached is None or cached[0] != key:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        if not font_path().is_file():
            logger.error("PDF_FONT_PATH %s does not exist: Chinese text will not print", key)
        font_config = FontConfiguration()
        with _created_lock:
            _created_configs.add(font_config)
        css = CSS(string=_font_css(), font_config=font_config, url_fetcher=_url_fetcher())
        cached = (key, font_config, css)
        _local.fonts = cached
    return cached[1], cached[2]


def render_html(template_name: str, context: dict | None = None, *, request=None) -> str:
    """The template rendered in Chinese, without context processors (no shell queries)."""
    ctx = {"print_date": timezone.localdate(), "PRODUCT_NAME": settings.PRODUCT_NAME, **(context or {})}
    if request is not None:
        ctx.setdefault("request", request)
        ctx.setdefault("user", getattr(request, "user", None))
    with translation.override(PDF_LANGUAGE):
        return render_to_string(template_name, ctx)


def pdf_bytes(template_name: str, context: dict | None = None, *, request=None) -> bytes:
    """Render ``template_name`` with ``context`` to PDF bytes."""
    from weasyprint import HTML

    html = render_html(template_name, context, request=request)
    font_config, font_css = _fonts()
    document = HTML(string=html, base_url=_base_dir().as_uri() + "/", url_fetcher=_url_fetcher())
    return document.write_pdf(stylesheets=[font_css], font_config=font_config)


def content_disposition(filename: str, *, inline: bool = True) -> str:
    """``inline; filename="ascii.pdf"; filename*=UTF-8''...`` (RFC 6266 / RFC 5987)."""
    kind = "inline" if inline else "attachment"
    filename = filename.replace("\r", "").replace("\n", "").strip() or "document.pdf"
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "", stem).strip("._-")
    if not re.search(r"[A-Za-z]", stem):  # nothing readable left of a Chinese name
        stem = f"document-{stem}" if stem else "document"
    ext = re.sub(r"[^A-Za-z0-9]+", "", ext)
    fallback = f"{stem}.{ext}" if ext else stem
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def render_pdf(template_name: str, context: dict | None = None, *, request=None, filename: str) -> HttpResponse:
    """An ``application/pdf`` response shown inline, named ``filename`` (may be Chinese)."""
    response = HttpResponse(pdf_bytes(template_name, context, request=request), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def image_data_url(field_file, *, max_bytes: int = 10 * 1024 * 1024) -> str | None:
    """A ``data:`` URL for a stored image (e.g. ``person.photo``), or None when absent or unreadable."""
    if not field_file or not getattr(field_file, "name", None):
        return None
    try:
        with field_file.storage.open(field_file.name, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except Exception:  # missing file, storage outage: print the empty box instead of failing
        logger.warning("Could not read %s for a PDF", field_file.name, exc_info=True)
        return None
    if not data or len(data) > max_bytes:
        return None
    mime = mimetypes.guess_type(field_file.name)[0] or ""
    if not mime.startswith("image/"):
        mime = _sniff_image(data)
        if mime is None:
            return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _sniff_image(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
