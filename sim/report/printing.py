"""HTML to PDF with WeasyPrint, offline, and PDFs joined into one file."""

from __future__ import annotations

import io
from typing import Any


def pdf_bytes(html: str) -> bytes:
    """The document as PDF. No base URL, and a fetcher that serves only `data:` URLs (the
    report's charts): the document must not reach out."""
    import weasyprint

    try:
        return weasyprint.HTML(string=html, url_fetcher=_fetcher()).write_pdf()
    except BaseException as e:  # WeasyPrint 66+ stops with a BaseException on a refused URL
        if type(e).__name__ == "FatalURLFetchingError":
            raise ValueError(f"the report refers to an external resource ({e})") from e
        raise


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


def landscape_pages(documents: list[bytes]) -> list[bool]:
    """For each page of the documents in turn: is it wider than tall?"""
    from pypdf import PdfReader

    return [float(page.mediabox.width) > float(page.mediabox.height)
            for doc in documents for page in PdfReader(io.BytesIO(doc)).pages]


def join_pdfs(body: list[bytes], footers: bytes, appendix: bytes) -> bytes:
    """One PDF: the body's parts, page after page, each page with its footer from `footers` (a
    document of as many pages) printed over it, then the appendix; the first part's metadata,
    and every part's bookmarks."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    head = PdfReader(io.BytesIO(body[0]))
    for i, doc in enumerate(body):
        writer.append(head if i == 0 else PdfReader(io.BytesIO(doc)))
    stamps = PdfReader(io.BytesIO(footers)).pages
    if len(stamps) != len(writer.pages):
        raise ValueError(f"{len(stamps)} footers for {len(writer.pages)} body pages")
    for page, stamp in zip(writer.pages, stamps, strict=True):
        page.merge_page(stamp)
    writer.append(PdfReader(io.BytesIO(appendix)))
    if head.metadata:
        writer.add_metadata({k: v for k, v in head.metadata.items() if isinstance(v, str)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
