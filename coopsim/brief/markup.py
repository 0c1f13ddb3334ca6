"""Tiny HTML builders: text is escaped where it enters, markup is a str subclass that is not.

Every element is closed explicitly, so the page is well-formed as well as valid HTML5.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

VOID = frozenset({"img", "meta", "br", "hr", "link", "col", "wbr", "input", "source"})


class Html(str):
    """Markup that is already safe to put in a page."""


Content = str | Html | Iterable["Content"] | None


def render(content: Content) -> Html:
    """Escape text, keep markup, join sequences."""
    if content is None:
        return Html("")
    if isinstance(content, Html):
        return content
    if isinstance(content, str):
        return Html(html.escape(content, quote=False))
    return Html("".join(render(part) for part in content))


def el(tag: str, content: Content = None, **attrs: object) -> Html:
    """One element; attribute names take '_' for '-' and a trailing '_' for keywords (class_)."""
    parts = [tag]
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        key = name.rstrip("_").replace("_", "-")
        parts.append(key if value is True else f'{key}="{html.escape(str(value), quote=True)}"')
    opening = "<" + " ".join(parts) + ">"
    if tag in VOID:
        return Html(opening)
    return Html(f"{opening}{render(content)}</{tag}>")


def table(headers: list[Content], rows: Iterable[list[Content]], class_: str = "") -> Html:
    """A table with a header row; a cell that is a (content, class) tuple gets that class."""
    head = el("thead", el("tr", [el("th", h, scope="col") for h in headers]))
    body_rows = []
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, tuple):
                cells.append(el("td", cell[0], class_=cell[1] or None))
            else:
                cells.append(el("td", cell))
        body_rows.append(el("tr", cells))
    return el("table", [head, el("tbody", body_rows)], class_=class_ or None)


def bar(p: float) -> Html:
    """A small horizontal bar for a probability, drawn with CSS only."""
    width = f"{max(0.0, min(1.0, p)) * 100:.1f}%"
    return el("span", el("span", class_="fill", style=f"width:{width}"), class_="bar")
