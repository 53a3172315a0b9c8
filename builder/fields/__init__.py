"""The field-type registry. Types are registered explicitly by :func:`register_all`."""

from __future__ import annotations

from .base import Field, FieldType, ValueInvalid

__all__ = ["Field", "FieldType", "ValueInvalid", "get", "all_types", "register", "register_all"]

_registry: dict[str, FieldType] = {}


def register(field_type: FieldType) -> None:
    """Add a type; a key registered twice is a programming error."""
    if field_type.type in _registry:
        raise ValueError(f"field type {field_type.type!r} is already registered")
    _registry[field_type.type] = field_type


def get(key: str) -> FieldType:
    """The type registered as ``key`` (KeyError if none)."""
    return _registry[key]


def all_types() -> list[FieldType]:
    """Every registered type in registration order."""
    return list(_registry.values())


def register_all() -> None:
    """Register the built-in types once (called by the app factory and by tests)."""
    if _registry:
        return
    from .autonumber import AutoNumberType
    from .choice import BooleanType, MultiSelectType, SingleSelectType
    from .computed import FormulaType
    from .dates import DateTimeType, DateType, TimeType
    from .identity import IdCardType
    from .media import AttachmentType, ImageType
    from .number import DecimalType, IntegerType, MoneyType, PercentType
    from .people import DepartmentType, MemberType
    from .region import RegionType
    from .relation import LinkType, LookupType, RollupType
    from .richtext import RichTextType
    from .subtable import SubTableType
    from .system import CreatedAtType, CreatedByType, OwnerType, UpdatedAtType, UpdatedByType
    from .text import EmailType, PhoneType, TextareaType, TextType, UrlType

    for cls in (
        TextType, TextareaType, RichTextType,
        IntegerType, DecimalType, MoneyType, PercentType,
        DateType, DateTimeType, TimeType,
        BooleanType, SingleSelectType, MultiSelectType,
        EmailType, PhoneType, UrlType, IdCardType, RegionType,
        CreatedByType, CreatedAtType, UpdatedByType, UpdatedAtType, OwnerType, AutoNumberType,
        FormulaType, MemberType, DepartmentType, SubTableType, AttachmentType, ImageType,
        LinkType, LookupType, RollupType,
    ):
        register(cls())
