"""Rich text: formatted HTML, sanitised against an allow-list on the way in and out.

The sanitiser is ammonia (Rust, via ``nh3``): it parses like a browser, so tricks
that fool regular expressions (broken tags, entity-encoded ``javascript:``,
comments) do not get through. Only the tags and attributes below survive; links
keep ``http``, ``https`` and ``mailto`` targets only and always get
``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import html
import re
from functools import cache
from html.parser import HTMLParser
from typing import Any, ClassVar

import nh3
import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup

from .base import Field, FieldType, ValueInvalid
from .text import clean_text

ALLOWED_TAGS = frozenset({
    "p", "br", "strong", "em", "u", "s", "ul", "ol", "li", "a", "h2", "h3", "h4",
    "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"colspan", "rowspan"},
                      "td": {"colspan", "rowspan"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: tags that end a line in the plain-text rendering
_BLOCKS = frozenset({"p", "br", "li", "h2", "h3", "h4", "blockquote", "pre", "tr", "table",
                     "ul", "ol"})
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
DEFAULT_MAX = 20_000
HARD_MAX = 200_000


@cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES), url_relative="deny", link_rel="noopener noreferrer",
        strip_comments=True,
    )


def sanitise(markup: str) -> str:
    """Keep only the allowed tags, attributes and link schemes; drop scripts and styles."""
    return _cleaner().clean(markup)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(markup: str) -> str:
    """The text of sanitised HTML: one line per block, entities decoded, spaces collapsed."""
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line)


class RichTextType(FieldType):
    """Formatted text (headings, lists, links, tables) stored as sanitised HTML."""

    type = "rich_text"
    family = "text"
    icon = "type"
    operators = ("contains", "not_contains", "empty", "not_empty")
    widget = "fields/widgets/rich_text.html"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "max_length": {"type": "integer", "minimum": 1, "maximum": HARD_MAX},
            "placeholder": {"type": "string", "maxLength": 200},
        },
    }

    def name(self) -> str:
        """Palette name."""
        return _("Rich text")

    def _max(self, field: Field) -> int:
        return int(field.config.get("max_length") or DEFAULT_MAX)

    def sql_type(self, field: Field) -> sa.types.TypeEngine:
        """TEXT."""
        return sa.Text()

    def value_schema(self, field: Field) -> dict[str, Any]:
        """An HTML string within the configured length, or null."""
        return {"type": ["string", "null"], "maxLength": self._max(field)}

    def coerce(self, field: Field, raw: Any) -> str | None:
        """Sanitise; formatting with no text is empty; the limit counts the stored HTML."""
        text = clean_text(raw, multiline=True)
        if text is None:
            return None
        markup = sanitise(text).strip()
        if not plain_text(markup):
            return None
        limit = self._max(field)
        if len(markup) > limit:
            raise ValueInvalid(_("at most %(max)d characters (got %(n)d)", max=limit,
                                 n=len(markup)))
        return markup

    def sanitised_html(self, field: Field, value: Any) -> Markup:
        """The value for the read view, sanitised again so older rows obey today's rules."""
        return Markup(sanitise(value)) if value else Markup("")  # noqa: S704 - sanitised

    def display(self, field: Field, value: Any) -> str:
        """Plain text for lists and exports."""
        return plain_text(value) if value else ""

    def filter_value(self, field: Field, op: str, raw: Any) -> Any:
        """Search the stored HTML for the text as it is written there (``&`` is ``&amp;``)."""
        operand = super().filter_value(field, op, raw)
        return html.escape(operand, quote=False) if isinstance(operand, str) else operand

    def sample_config(self) -> dict[str, Any]:
        """A 5,000-character limit."""
        return {"max_length": 5000}

    def sample_values(self, field: Field) -> list[Any]:
        """Paragraphs, a list with a link, and bare text with an entity."""
        return [
            "<h2>会议纪要</h2><p>客户确认了<strong>报价</strong>，下周<em>签约</em>。</p>",
            '<ul><li>Call back</li><li><a href="https://example.com/q?a=1&amp;b=2" '
            'rel="noopener noreferrer">Quote</a></li></ul>',
            "Tom &amp; Jerry",
        ]

    def sample_invalid(self, field: Field) -> list[Any]:
        """Longer than the limit once sanitised."""
        return ["<p>" + "长" * self._max(field) + "</p>"]
