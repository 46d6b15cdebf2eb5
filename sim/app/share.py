"""The link to the comparison on screen, in a box with a "Copy link" button.

A few lines of HTML and JavaScript in an iframe (st.iframe) rather than st.code: a code block's
copy button costs the browser Streamlit's 1.5 MB syntax highlighter, about half a second of
script on a first view, for one line of text. (A components-v2 element, in the page itself,
was tried and dropped: whenever another visitor's session ended it redrew, closing any
dropdown this visitor had open.) The link is escaped into the box's value, never markup, and
the script copies that value: it holds no copy of the link (script text is not unescaped, so
an `&` there would reach the clipboard as `&amp;`)."""

from __future__ import annotations

import html

import streamlit as st

BOX_LABEL = "Link to this comparison"
BUTTON = "Copy link"
FRAME_TITLE = "The link to this comparison, with a button that copies it"
HEIGHT_PX = 46

# The clipboard API needs a secure page (https or localhost); on a plain-http address in an
# office network it is missing, and the selected box is copied the older way.
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><style>
html, body {{ margin: 0; padding: 2px 0; background: transparent; }}
.share {{ display: flex; gap: 0.5rem; align-items: center;
  font: 16px "Source Sans", "Source Sans Pro", system-ui, sans-serif; color: #31333f; }}
.share input {{ flex: 1; min-width: 0; padding: 0.45rem 0.6rem; font: 14px ui-monospace, monospace;
  color: inherit; background: #f7f7f9; border: 1px solid #d6d6d9; border-radius: 0.4rem; }}
.share button {{ padding: 0.45rem 0.9rem; font: inherit; color: inherit; cursor: pointer;
  background: #fff; border: 1px solid #c5c5ca; border-radius: 0.4rem; }}
.share button:hover, .share button:focus-visible {{ border-color: #ff4b4b; color: #ff4b4b; }}
.share .done {{ min-width: 4rem; font-size: 14px; }}
</style></head><body>
<div class="share">
  <input type="text" readonly aria-label="{label}" spellcheck="false" value="{url}">
  <button type="button" aria-label="Copy the link to this comparison">{button}</button>
  <span class="done" role="status" aria-live="polite"></span>
</div>
<script>
const box = document.querySelector("input");
const done = document.querySelector(".done");
box.addEventListener("focus", () => box.select());
document.querySelector("button").addEventListener("click", async () => {{
  box.select();
  let copied = false;
  try {{
    await navigator.clipboard.writeText(box.value);
    copied = true;
  }} catch (e) {{
    copied = document.execCommand("copy");
  }}
  done.textContent = copied ? "Copied" : "Select the link and copy it";
}});
</script></body></html>"""


def page(url: str) -> str:
    """The box's HTML document for `url`."""
    return PAGE.format(label=BOX_LABEL, button=BUTTON, url=html.escape(url, quote=True))


def share_link(url: str) -> None:
    """The link, what it is for, and the copy button."""
    st.markdown(f"**{BOX_LABEL}**: open it in another browser to see exactly these scenarios and "
                "changes.")
    st.iframe(page(url), height=HEIGHT_PX, alt=FRAME_TITLE)
