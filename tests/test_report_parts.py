"""The report's parts made once and ahead: a layout started in a helper process is used only for
the HTML it was started with, a table is made once per report data and each writer gets its own
copy, the printed report reaches for nothing outside itself, and spreadsheet text is escaped in
every column type."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import pandas as pd
import pytest

from sim.report import ahead
from sim.report.data import ReportData, per_report
from sim.report.printing import pdf_bytes
from sim.report.safe import safe_frame


def _doc(words: str) -> str:
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><p>{words}</p></body></html>"


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_a_layout_started_ahead_serves_only_its_own_html() -> None:
    first, second = _doc("first document"), _doc("second document")
    ahead.start_layout(first)
    try:
        assert "second document" in _text(ahead.layout(second))  # not the one started ahead
        assert "first document" in _text(ahead.layout(first))  # the one started ahead, once
        assert "first document" in _text(ahead.layout(first))  # and again, laid out here
    finally:
        ahead.stop_all()


def test_the_printed_report_refuses_external_resources_but_shows_its_own_images() -> None:
    with pytest.raises(ValueError, match="external resource"):
        pdf_bytes("<html><body><img src='http://example.invalid/logo.png'></body></html>")
    svg = ("data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'>"
           "<rect width='10' height='10'/></svg>")
    assert pdf_bytes(f"<html><body><img src=\"{svg}\"></body></html>").startswith(b"%PDF")


def _empty_data() -> ReportData:
    return ReportData(runs=[], seeds=[], created=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), revision="r",
                      version="v")


def test_a_table_is_made_once_per_report_data_and_each_reader_gets_a_copy() -> None:
    made: list[int] = []

    @per_report
    def table(data: ReportData) -> pd.DataFrame:
        made.append(1)
        return pd.DataFrame({"x": [1.0, 2.0]})

    data = _empty_data()
    first = table(data)
    first.loc[0, "x"] = 99.0  # one writer changing its copy
    assert table(data)["x"].tolist() == [1.0, 2.0]
    assert len(made) == 1
    table(_empty_data())  # other report data: made again
    assert len(made) == 2


def test_formula_like_text_is_escaped_in_text_and_mixed_columns() -> None:
    frame = pd.DataFrame({"text": pd.array(["=cmd()", "plain", None, "@sum"], dtype="string"),
                          "mixed": ["+1", 3, None, "-x"], "number": [-1.0, 2.0, 3.0, 4.0]})
    out = safe_frame(frame)
    assert out["text"].tolist()[:2] == ["'=cmd()", "plain"] and out["text"].tolist()[3] == "'@sum"
    assert pd.isna(out["text"].iloc[2])
    mixed = out["mixed"].tolist()
    assert mixed[0] == "'+1" and mixed[1] == 3 and mixed[3] == "'-x"
    assert out["number"].tolist() == [-1.0, 2.0, 3.0, 4.0]
    assert frame["text"].iloc[0] == "=cmd()"  # the caller's frame is left as it was


def test_two_threads_printing_at_once_each_get_their_own_document() -> None:
    """The app may print two reports at once (two sessions): layouts started ahead from two
    threads never cross."""
    from concurrent.futures import ThreadPoolExecutor

    def print_one(words: str) -> str:
        html = _doc(words)
        ahead.start_layout(html)
        ahead.start_layout(html)  # started twice: one helper
        return _text(ahead.layout(html))

    try:
        with ThreadPoolExecutor(2) as threads:
            got = list(threads.map(print_one, ["alpha paper", "beta paper", "gamma paper", "delta paper"]))
    finally:
        ahead.stop_all()
    for words, text in zip(["alpha paper", "beta paper", "gamma paper", "delta paper"], got, strict=True):
        assert words in text and all(w not in text for w in ("alpha", "beta", "gamma", "delta")
                                     if w != words.split()[0])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the ldconfig cache is Linux's")
def test_the_quick_library_search_answers_as_the_standard_one() -> None:
    """load_weasyprint looks libraries up in one parse of the ldconfig cache, with the standard
    library's own pattern: for every name WeasyPrint tries, the same answer (found or not)."""
    import ctypes.util

    from sim.report.printing import _ldconfig_cache, _soname

    cache = _ldconfig_cache()
    if cache is None:
        pytest.skip("no ldconfig cache here")
    names = ["c", "fontconfig", "fontconfig-1", "pango-1.0", "libpango-1.0-0", "pangoft2-1.0",
             "harfbuzz", "harfbuzz-subset", "gobject-2.0", "no-such-library-anywhere"]
    assert [_soname(cache, n) for n in names] == [ctypes.util.find_library(n) for n in names]


def test_weasyprint_loads_the_quick_way_and_again_the_standard_way_when_that_fails() -> None:
    """In fresh processes: the quick import loads the same libraries as a plain import; with an
    empty ldconfig cache too (WeasyPrint then finds them by file name); and when the quick
    import fails (a library the cache does not list, simulated by an import that fails once),
    the import is done again the standard way and works."""
    probe = ("from weasyprint.text import ffi\n"
             "print([getattr(ffi, n) is not None for n in ('pango', 'harfbuzz', 'harfbuzz_subset', "
             "'fontconfig', 'pangoft2')])\n")
    quick = "import sim.report.printing as p\np.load_weasyprint()\n" + probe
    plain = "import weasyprint\n" + probe
    empty = ("import sim.report.printing as p\np._ldconfig_cache = lambda: b'\\n'\n"
             "p.load_weasyprint()\n" + probe)
    fails_once = (
        "import importlib.abc, sys\n"
        "class Once(importlib.abc.MetaPathFinder):\n"
        "    failed = False\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'weasyprint.text.ffi' and not Once.failed:\n"
        "            Once.failed = True\n"
        "            raise OSError('a library the ldconfig cache does not list')\n"
        "sys.meta_path.insert(0, Once())\n"
        "import sim.report.printing as p\np.load_weasyprint()\nassert Once.failed\n" + probe)
    out = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
           for code in (quick, plain, empty, fails_once)]
    assert all(o.returncode == 0 for o in out), [o.stderr[-500:] for o in out]
    assert len({o.stdout for o in out}) == 1, [o.stdout for o in out]
    assert out[0].stdout.startswith("[True, True")
