"""The union of roles, without a database."""

from __future__ import annotations

from runtime.permissions import domain

FIELDS = ["f_name01", "f_amnt01", "f_level1"]


def entry(ops, scope=(), fields=None):
    return {"operations": list(ops), "scope": list(scope), "fields": fields or {}}


def test_no_roles_give_nothing():
    rights = domain.union([], FIELDS)
    assert not rights.allows("view") and rights.scope("view") == ()


def test_operations_are_united_and_scopes_are_per_operation():
    rights = domain.union([entry(["view", "edit"], [{"kind": "own"}]),
                           entry(["view"], [{"kind": "pool"}]), None], FIELDS)
    assert rights.operations == {"view", "edit"}
    assert rights.scope("view") == ({"kind": "own"}, {"kind": "pool"})
    assert rights.scope("edit") == ({"kind": "own"},)
    assert not rights.allows("delete") and rights.scope("delete") == ()


def test_all_dominates_and_duplicates_collapse():
    rights = domain.union([entry(["view"], [{"kind": "own"}, {"kind": "own"}]),
                           entry(["view"], [{"kind": "all"}])], FIELDS)
    assert rights.scope("view") == domain.ALL and rights.unrestricted("view")
    again = domain.union([entry(["view"], [{"kind": "own"}]),
                          entry(["view"], [{"kind": "own"}])], FIELDS)
    assert again.scope("view") == ({"kind": "own"},)


def test_field_access_is_the_most_permissive_of_granting_roles():
    rights = domain.union([
        entry(["view"], [{"kind": "all"}], {"f_amnt01": "hidden", "f_level1": "hidden"}),
        entry(["view"], [{"kind": "own"}], {"f_amnt01": "read_only", "f_level1": "hidden"}),
        # a role that grants nothing on the form does not open fields
        entry([], [], {}),
    ], FIELDS)
    assert rights.fields == {"f_amnt01": "read_only", "f_level1": "hidden"}
    assert rights.hidden == {"f_level1"} and rights.read_only == {"f_amnt01"}
    assert rights.editable("f_name01") and not rights.editable("f_amnt01")


def test_full_rights_reach_everything():
    assert domain.FULL.unrestricted("delete") and domain.FULL.editable("f_amnt01")
