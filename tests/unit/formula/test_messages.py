"""Errors name what is wrong, with a position, in English or in the reader's Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel

from builder.formula import FormulaError, compile, parse

PO = (Path(__file__).resolve().parents[3] / "builder" / "formula" / "translations" /
      "zh_Hans_CN" / "LC_MESSAGES" / "messages.po")


@pytest.fixture(scope="module")
def chinese_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """A bare Flask app speaking Chinese with the formula catalog compiled into a temp dir."""
    folder = tmp_path_factory.mktemp("translations") / "zh_Hans_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with PO.open("rb") as source, (folder / "messages.mo").open("wb") as target:
        write_mo(target, read_po(source))
    app = Flask(__name__)
    Babel(app, locale_selector=lambda: "zh_Hans_CN",
          default_translation_directories=str(folder.parent.parent))
    return app


def _error(source: str) -> FormulaError:
    with pytest.raises(FormulaError) as info:
        compile(source)
    return info.value


def test_english_outside_any_request():
    """Without an application the messages are English, with a 1-based character."""
    error = _error("IF(1)")
    assert error.message == "IF takes 2 or 3 arguments (got 1)"
    assert str(error) == "IF takes 2 or 3 arguments (got 1) (at character 1)"
    assert error.position == 0


def test_chinese_in_a_chinese_request(chinese_app: Flask):
    """The same error object speaks Chinese when shown in a Chinese request."""
    error = _error("1 + FOO(2)")
    with chinese_app.test_request_context():
        assert str(error) == "未知函数 FOO（第 5 个字符处）"
    assert str(error) == "unknown function FOO (at character 5)"


def test_nested_messages_are_translated(chinese_app: Flask):
    """Argument names and type names inside a message are translated too."""
    result = compile("YEAR({f_name01})").check({"f_name01": "text"})
    with chinese_app.test_request_context():
        assert result.errors[0].message == "YEAR 的第 1 个参数应为日期（实际是文本）"


def test_chinese_cycle_message(chinese_app: Flask):
    """The cycle error names the loop in Chinese."""
    from builder.formula import FormulaCycleError, evaluation_order

    with pytest.raises(FormulaCycleError) as info:
        evaluation_order({"f_aaaa": parse("{f_bbbb}"), "f_bbbb": parse("{f_aaaa}")})
    with chinese_app.test_request_context():
        assert str(info.value) == "公式之间存在循环引用：{f_aaaa} → {f_bbbb} → {f_aaaa}"


def test_app_without_babel_falls_back_to_english():
    """An application that never set up Flask-Babel still gets English messages."""
    app = Flask(__name__)
    error = _error("SUM()")
    with app.test_request_context():
        assert str(error) == "SUM needs at least one argument (at character 1)"
