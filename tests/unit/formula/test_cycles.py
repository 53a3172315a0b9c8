"""Formulas are evaluated after the formulas they read; loops are named in the error."""

from __future__ import annotations

import pytest

from builder.formula import FormulaCycleError, compile, evaluation_order, parse


def test_dependencies_come_first():
    """A formula is ordered after the formulas it reads; inputs are ignored."""
    order = evaluation_order({
        "f_total1": compile("{f_subtot} * (1 + {f_taxrat})"),
        "f_subtot": compile("SUM({f_lines1.f_amount})"),
        "f_label1": compile("\"合计：\" & {f_total1}"),
    })
    assert order.index("f_subtot") < order.index("f_total1") < order.index("f_label1")


def test_independent_formulas_keep_their_order():
    """Formulas that do not depend on each other stay in the given order."""
    keys = ["f_cccc1", "f_aaaa1", "f_bbbb1"]
    assert evaluation_order({key: compile("1") for key in keys}) == keys


def test_diamond():
    """Shared dependencies are evaluated once, before every reader."""
    order = evaluation_order({
        "f_top001": parse("{f_left01} + {f_right1}"),
        "f_left01": parse("{f_base01} * 2"),
        "f_right1": parse("{f_base01} * 3"),
        "f_base01": parse("{f_input1}"),
    })
    assert order[0] == "f_base01" and order[-1] == "f_top001" and len(order) == 4


def test_a_formula_that_reads_itself():
    """A self-reference is a loop of one."""
    with pytest.raises(FormulaCycleError) as info:
        evaluation_order({"f_aaaa1": compile("{f_aaaa1} + 1")})
    assert info.value.cycle == ("f_aaaa1", "f_aaaa1")
    assert str(info.value) == "formulas refer to each other in a loop: {f_aaaa1} → {f_aaaa1}"
    assert info.value.code == "cycle"


def test_a_longer_loop_is_named_in_order():
    """The error lists the loop from where it starts, and only the loop."""
    with pytest.raises(FormulaCycleError) as info:
        evaluation_order({
            "f_start1": compile("{f_aaaa1}"),
            "f_aaaa1": compile("{f_bbbb1} + 1"),
            "f_bbbb1": compile("{f_cccc1} * 2"),
            "f_cccc1": compile("IF({f_xxxx1} > 0, {f_aaaa1}, 0)"),
        })
    assert info.value.cycle == ("f_aaaa1", "f_bbbb1", "f_cccc1", "f_aaaa1")
    assert "{f_aaaa1} → {f_bbbb1} → {f_cccc1} → {f_aaaa1}" in str(info.value)


def test_a_loop_through_a_sub_table_column():
    """A total that sums a computed column which reads the total is a loop."""
    with pytest.raises(FormulaCycleError) as info:
        evaluation_order({
            "f_total1": compile("SUM({f_lines1.f_share1})"),
            "f_lines1.f_share1": compile("{f_amount} / {f_total1}"),
        })
    assert set(info.value.cycle) == {"f_total1", "f_lines1.f_share1"}


def test_a_long_chain_does_not_recurse():
    """Thousands of formulas in one chain are ordered without exhausting the stack."""
    count = 5000
    formulas = {f"f_n{i:05d}": parse(f"{{f_n{i + 1:05d}}} + 1") for i in range(count)}
    order = evaluation_order(formulas)
    assert order[0] == f"f_n{count - 1:05d}" and order[-1] == "f_n00000"
