"""HTML to PDF with WeasyPrint, offline, and PDFs joined into one file."""

from __future__ import annotations

import io
from typing import Any


def pdf_bytes(html: str) -> bytes:
    """The document as PDF. No base URL, and a fetcher that serves only `data:` URLs (the
    report's charts): the document must not reach out."""
    import weasyprint

    return weasyprint.HTML(string=html, url_fetcher=_fetcher()).write_pdf()


def _fetcher() -> Any:
    try:
        from weasyprint.urls import URLFetcher  # WeasyPrint 66 and later
    except ImportError:
        return _data_only
    return URLFetcher(allowed_protocols=("data",), fail_on_errors=True)


def _data_only(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The fetcher for WeasyPrint before 66 (a function)."""
    if url.startswith("data:"):
        import weasyprint

        return weasyprint.default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"the report refers to an external resource: {url}")


def join_pdfs(first: bytes, second: bytes) -> bytes:
    """One PDF: `first`'s pages, metadata and bookmarks, then `second`'s pages and bookmarks."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    head = PdfReader(io.BytesIO(first))
    writer.append(head)
    writer.append(PdfReader(io.BytesIO(second)))
    if head.metadata:
        writer.add_metadata({k: v for k, v in head.metadata.items() if isinstance(v, str)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
