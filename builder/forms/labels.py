"""The designer's vocabulary for people: property, setting, operator and family names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FAMILY_LABELS = {
    "text": _l("Text"), "number": _l("Numbers"), "datetime": _l("Date and time"),
    "choice": _l("Choices"), "contact": _l("Contact and identity"), "relation": _l("Relations"),
    "media": _l("Files and media"), "system": _l("System"), "layout": _l("Layout"),
    "people": _l("People and departments"), "computed": _l("Calculated"),
}
FAMILY_ORDER = ("text", "number", "datetime", "choice", "people", "contact", "computed", "media",
                "relation", "system")

PROP_LABELS = {
    "label": _l("Label"), "help": _l("Help text"), "required": _l("Required"),
    "indexed": _l("Indexed"), "unique": _l("Unique"), "default": _l("Default value"),
    "visible_if": _l("Show only when"), "required_if": _l("Required when"),
    "config": _l("Settings"), "span": _l("Width"), "title": _l("Title"),
    "columns": _l("Columns"), "collapsed": _l("Collapsed"), "text": _l("Text"),
    "name": _l("Form name"), "description": _l("Description"),
    "title_field": _l("Title field"), "submit_label": _l("Submit button"),
    "rules": _l("Rules"), "message": _l("Message"), "condition": _l("Condition"),
    "fields": _l("Show the message at"), "type": _l("Field type"), "kind": _l("Element"),
    "id": _l("Element"), "parent": _l("Section"), "position": _l("Position"),
    "op": _l("Operation"), "props": _l("Properties"), "revision": _l("Revision"),
    "link_filter": _l("Records that may be chosen"),
}

CONFIG_LABELS = {
    "min_length": _l("Minimum length"), "max_length": _l("Maximum length"),
    "pattern": _l("Pattern (regular expression)"), "pattern_message": _l("Message when the "
                                                                          "pattern fails"),
    "placeholder": _l("Placeholder"), "rows": _l("Rows"), "min": _l("Minimum"),
    "max": _l("Maximum"), "unit": _l("Unit"), "thousands": _l("Thousands separator"),
    "scale": _l("Decimal places"), "currency": _l("Currency"), "display": _l("Display as"),
    "options": _l("Options"), "min_selections": _l("Choose at least"),
    "max_selections": _l("Choose at most"), "style": _l("Style"), "kind": _l("Number format"),
    "levels": _l("Levels"), "allow_15": _l("Accept old 15-digit numbers"),
    "parts": _l("Number pattern"), "fields": _l("Table columns"),
    "min_rows": _l("Minimum rows"), "max_rows": _l("Maximum rows"),
    "expression": _l("Formula"), "result": _l("Result type"),
    "multiple": _l("Allow several"),
    "max_files": _l("At most this many files"), "max_size_mb": _l("Largest file (MB)"),
    "extensions": _l("Allowed file types"),
    "form": _l("Link to form"),
    "display_field": _l("Show records by"), "filter": _l("Records that may be chosen"),
    "link": _l("Through the link"), "field": _l("Field"), "source": _l("Calculate over"),
    "function": _l("Calculation"),
}

ENUM_LABELS = {
    "display": {"dropdown": _l("Dropdown"), "radio": _l("Radio buttons"),
                "checkbox": _l("Checkboxes")},
    "style": {"checkbox": _l("Checkbox"), "switch": _l("Switch")},
    "kind": {"cn_mobile": _l("China mobile (11 digits)"), "cn_landline": _l("Landline"),
             "international": _l("International (+country code)"), "any": _l("Any of these")},
    "levels": {"province": _l("Province"), "city": _l("Province and city"),
               "district": _l("Province, city and district")},
    "result": {"number": _l("Number"), "text": _l("Text"), "date": _l("Date"),
               "datetime": _l("Date and time"), "boolean": _l("Yes / no")},
    "function": {"count": _l("Count"), "sum": _l("Sum"), "min": _l("Minimum"),
                 "max": _l("Maximum"), "avg": _l("Average")},
}

COLOR_LABELS = {
    "blue": _l("Blue"), "sky": _l("Sky"), "teal": _l("Teal"), "green": _l("Green"),
    "amber": _l("Amber"), "orange": _l("Orange"), "red": _l("Red"), "pink": _l("Pink"),
    "purple": _l("Purple"), "slate": _l("Slate"),
}

OPERATOR_LABELS = {
    "eq": _l("is"), "ne": _l("is not"), "gt": _l("greater than"),
    "gte": _l("at least"), "lt": _l("less than"), "lte": _l("at most"),
    "between": _l("between"), "in": _l("is one of"), "not_in": _l("is none of"),
    "contains": _l("contains"), "not_contains": _l("does not contain"),
    "under": _l("is within"), "has_any": _l("has any of"), "has_all": _l("has all of"),
    "has_none": _l("has none of"), "empty": _l("is empty"), "not_empty": _l("is not empty"),
    "is_me": _l("is me"), "my_department": _l("is my department"), "today": _l("is today"),
    "within_last": _l("is within the last (days)"), "within_next": _l("is within the next (days)"),
}

DEFAULT_LABELS = {
    "static": _l("A fixed value"), "current_user": _l("The current user"),
    "user_department": _l("The current user's department"), "today": _l("Today"),
    "now": _l("Now"),
}

UNIQUE_STEP_LABELS = {
    "trim": _l("Ignore spaces at both ends"), "collapse_spaces": _l("Treat repeated spaces "
                                                                     "as one"),
    "halfwidth": _l("Treat full-width and half-width characters alike"),
    "casefold": _l("Ignore upper and lower case"),
    "suffixes": _l("Ignore company suffixes such as 有限公司"),
}


def prop_label(key: str) -> str:
    """The name of a property or setting for people (the key itself if unknown)."""
    if key.startswith("config."):
        key = key.removeprefix("config.")
        return str(CONFIG_LABELS.get(key, key.replace("_", " ").capitalize()))
    return str(PROP_LABELS.get(key, key.replace("_", " ").capitalize()))
