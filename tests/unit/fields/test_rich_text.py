"""Rich text: what the sanitiser keeps, what it removes, and the plain-text rendering."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from builder.fields import Field, ValueInvalid
from builder.fields.richtext import RichTextType, plain_text, sanitise

TYPE = RichTextType()
FIELD = Field(id="f_notes", type="rich_text", label="Notes", config={"max_length": 200})


@pytest.mark.parametrize(("dirty", "forbidden"), [
    ("<p>hi<script>alert(1)</script></p>", "script"),
    ("<p>hi<script>alert(1)</script></p>", "alert"),
    ('<p><img src=x onerror="alert(1)">hi</p>', "onerror"),
    ('<p onclick="steal()">hi</p>', "onclick"),
    ('<p><a href="javascript:alert(1)">x</a></p>', "javascript"),
    ('<p><a href="JaVaScRiPt&#58;alert(1)">x</a></p>', "alert"),
    ('<p><a href="java\tscript:alert(1)">x</a></p>', "script:"),
    ('<p><a href="data:text/html,<b>x</b>">x</a></p>', "data:"),
    ('<p><a href="//evil.example/">x</a></p>', "evil"),
    ('<p style="position:fixed">hi</p>', "style"),
    ("<style>p{color:red}</style><p>hi</p>", "color"),
    ('<p><iframe src="https://evil.example/"></iframe>hi</p>', "iframe"),
    ("<p>hi<!-- secret --></p>", "secret"),
    ('<p><a href="https://ok.example/" target="_blank">x</a></p>', "target"),
    ("<svg><g onload=alert(1)></g></svg><p>hi</p>", "onload"),
])
def test_dangerous_markup_is_removed(dirty, forbidden):
    assert forbidden not in sanitise(dirty)


def test_allowed_formatting_survives_and_links_get_rel():
    dirty = ('<h2>Title</h2><p><strong>b</strong> <em>i</em> <u>u</u> <s>s</s><br>x</p>'
             '<ol><li>one</li></ol><blockquote>q</blockquote><pre><code>x &lt; y</code></pre>'
             '<table><thead><tr><th colspan="2">h</th></tr></thead>'
             '<tbody><tr><td rowspan="1">c</td></tr></tbody></table>'
             '<p><a href="mailto:a@example.com" title="mail" rel="opener">m</a></p>')
    clean = sanitise(dirty)
    for kept in ("<h2>", "<strong>", "<em>", "<u>", "<s>", "<br>", "<ol>", "<li>",
                 "<blockquote>", "<pre><code>", '<th colspan="2">', '<td rowspan="1">',
                 'href="mailto:a@example.com"', 'title="mail"', 'rel="noopener noreferrer"'):
        assert kept in clean
    assert "opener\"" not in clean.replace("noopener", "")


def test_display_is_plain_text_one_line_per_block():
    value = TYPE.coerce(FIELD, "<h2>纪要</h2><p>A &amp; B<br>第二行</p>"
                               "<ul><li>一</li><li>二</li></ul>")
    assert TYPE.display(FIELD, value) == "纪要\nA & B\n第二行\n一\n二"
    assert plain_text("<table><tr><td>a</td><td>b</td></tr></table>") == "a b"


def test_formatting_without_text_is_empty():
    assert TYPE.coerce(FIELD, "<p><br></p><p> &nbsp; </p>") is None
    assert TYPE.coerce(FIELD, "<script>x</script>") is None


def test_length_counts_the_stored_html():
    with pytest.raises(ValueInvalid, match="200"):
        TYPE.coerce(FIELD, "<p>" + "x" * 199 + "</p>")
    assert TYPE.coerce(FIELD, "<p>" + "x" * 190 + "</p>")


def test_read_view_gets_markup_sanitised_again():
    shown = TYPE.sanitised_html(FIELD, '<p onclick="x()">hi</p>')
    assert isinstance(shown, Markup) and shown == "<p>hi</p>"
    assert TYPE.sanitised_html(FIELD, None) == ""


def test_contains_operand_is_matched_as_written_in_html():
    assert TYPE.filter_value(FIELD, "contains", "A&B") == "A&amp;B"
