"""HTML to PDF with WeasyPrint, offline, and PDFs joined into one file."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any


def load_weasyprint() -> ModuleType:
    """Import WeasyPrint, without its slow library search.

    WeasyPrint opens Pango, HarfBuzz and fontconfig by trying several spellings of each name;
    every spelling the system lacks sends `ctypes.util.find_library` through `ldconfig -p`, then
    `gcc` and `ld` (about 20 look-ups, 0.4 s of a 0.85 s import, on the report's critical path).
    Here the look-ups read one parse of the ldconfig cache instead, with the standard library's
    own pattern. Where that finds too little (libraries only on LD_LIBRARY_PATH, or no ldconfig)
    the import is done again the standard way."""
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    import ctypes.util

    cache = _ldconfig_cache() if sys.platform.startswith("linux") else None
    if cache is not None:
        standard = ctypes.util.find_library
        ctypes.util.find_library = lambda name: _soname(cache, name)
        try:
            # (WeasyPrint prints installation advice when a library is missing: not for this try)
            with contextlib.redirect_stdout(io.StringIO()):
                import weasyprint
            return weasyprint
        except OSError:  # a library the cache does not list: forget the half import, look again
            for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
                del sys.modules[name]
        finally:
            ctypes.util.find_library = standard
    import weasyprint

    return weasyprint


def _ldconfig_cache() -> bytes | None:
    try:
        done = subprocess.run(["/sbin/ldconfig", "-p"], stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, env={"LC_ALL": "C", "LANG": "C"}, timeout=10,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 and done.stdout else None


def _soname(cache: bytes, name: str) -> str | None:
    """`ctypes.util.find_library(name)`'s first answer (the ldconfig cache) on Linux."""
    abi = {"x86_64": "libc6,x86-64", "ppc64": "libc6,64bit", "sparc64": "libc6,64bit",
           "s390x": "libc6,64bit", "ia64": "libc6,IA-64"}
    machine = os.uname().machine
    abi_type = abi.get(machine, "libc6") if sys.maxsize > 2**32 else "libc6"
    found = re.search(os.fsencode(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({abi_type}"), cache)
    return os.fsdecode(found.group(1)) if found else None


_PAUSES = [0, 0]  # layouts under way in this process; 1 if the cyclic collector was on before them
_PAUSE_LOCK = threading.Lock()


def _after_fork_in_child() -> None:
    """A forked helper starts with no layout under way: the lock fresh (another thread may have
    held it at the fork) and the collector back as it was before the parent's layouts paused it."""
    global _PAUSE_LOCK
    _PAUSE_LOCK = threading.Lock()
    if _PAUSES[0] and _PAUSES[1]:
        gc.enable()
    _PAUSES[:] = [0, 0]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while inside (threads may nest: it is turned back
    on when the last one leaves, if it was on before the first came in).

    WeasyPrint makes hundreds of thousands of short-lived objects (styles, boxes, lines); each
    thousand or so starts a collection, and every tenth of those walks older objects too, in a
    process that holds pandas, the scenarios and the runs. That walking was 15-30% of a
    layout's CPU time. The few cycles a layout leaves (about 1 MB) are collected once it is on
    again."""
    with _PAUSE_LOCK:
        if _PAUSES[0] == 0:
            _PAUSES[1] = int(gc.isenabled())
            gc.disable()
        _PAUSES[0] += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _PAUSES[0] -= 1
            if _PAUSES[0] == 0 and _PAUSES[1]:
                gc.enable()


def pdf_bytes(html: str) -> bytes:
    """The document as PDF. No base URL, and a fetcher that serves only `data:` URLs (the
    report's charts): the document must not reach out."""
    weasyprint = load_weasyprint()
    try:
        with cyclic_gc_paused():
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


def join_pdfs(body: list[bytes], footers: Callable[[list[bool]], bytes],
              appendix: Callable[[], bytes]) -> bytes:
    """One PDF: the body's parts, page after page, each page with its footer printed over it, then
    the appendix; the first part's metadata, and every part's bookmarks. `footers` makes the
    footers' document (as many pages as the body, each the same way round) from whether each
    body page is wider than tall; `appendix` gives the appendix once the footers are on. Each
    part is parsed once."""
    from pypdf import PdfReader, PdfWriter

    parts = [PdfReader(io.BytesIO(doc)) for doc in body]
    landscape = [float(p.mediabox.width) > float(p.mediabox.height) for part in parts for p in part.pages]
    writer = PdfWriter()
    for part in parts:
        writer.append(part)
    stamps = PdfReader(io.BytesIO(footers(landscape))).pages
    if len(stamps) != len(writer.pages):
        raise ValueError(f"{len(stamps)} footers for {len(writer.pages)} body pages")
    for page, stamp in zip(writer.pages, stamps, strict=True):
        page.merge_page(stamp)
    writer.append(PdfReader(io.BytesIO(appendix())))
    head = parts[0]
    if head.metadata:
        writer.add_metadata({k: v for k, v in head.metadata.items() if isinstance(v, str)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
