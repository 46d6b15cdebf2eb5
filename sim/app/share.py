"""The link to the comparison on screen, in a box with a "Copy link" button.

A small Streamlit component (st.components.v2: plain HTML and a few lines of JavaScript in the
page, no iframe) rather than st.code: a code block's copy button costs the browser Streamlit's
1.5 MB syntax highlighter, about half a second of script on a first view, for one line of text.
The link is data, never markup: the script puts it in the box's value."""

from __future__ import annotations

from functools import cache
from typing import Any

import streamlit as st

KEY = "share_link"
BOX_LABEL = "Link to this comparison"
BUTTON = "Copy link"

HTML = f"""
<div class="share">
  <input type="text" readonly aria-label="{BOX_LABEL}" spellcheck="false">
  <button type="button" aria-label="Copy the link to this comparison">{BUTTON}</button>
  <span class="done" role="status" aria-live="polite"></span>
</div>
"""

CSS = """
.share { display: flex; gap: 0.5rem; align-items: center; font-family: inherit; }
.share input { flex: 1; min-width: 0; padding: 0.45rem 0.6rem; font: 0.85rem ui-monospace, monospace;
  color: inherit; background: rgba(128, 128, 128, 0.08); border: 1px solid rgba(128, 128, 128, 0.35);
  border-radius: 0.4rem; }
.share button { padding: 0.45rem 0.9rem; font: inherit; color: inherit; cursor: pointer;
  background: transparent; border: 1px solid rgba(128, 128, 128, 0.5); border-radius: 0.4rem; }
.share button:hover, .share button:focus-visible { border-color: currentColor; }
.share .done { min-width: 4rem; font-size: 0.85rem; }
"""

# The clipboard API needs a secure page (https or localhost); on a plain-http address in an
# office network it is missing, and the selected box is copied the older way.
JS = """
export default function (component) {
  const { parentElement, data } = component;
  const box = parentElement.querySelector("input");
  const button = parentElement.querySelector("button");
  const done = parentElement.querySelector(".done");
  box.value = data.url;
  done.textContent = "";
  box.onfocus = () => box.select();
  button.onclick = async () => {
    box.select();
    let copied = false;
    try {
      await navigator.clipboard.writeText(box.value);
      copied = true;
    } catch (e) {
      copied = document.execCommand("copy");
    }
    done.textContent = copied ? "Copied" : "Select the link and copy it";
  };
}
"""


@cache
def _component() -> Any:
    # Registered once per process: Streamlit warns when a name is registered twice.
    return st.components.v2.component("fundsim.share_link", html=HTML, css=CSS, js=JS)


def share_link(url: str) -> None:
    """The link, what it is for, and the copy button."""
    st.markdown(f"**{BOX_LABEL}**: open it in another browser to see exactly these scenarios and "
                "changes.")
    _component()(key=KEY, data={"url": url})
