"""The JSON wire: strict structuring of requests, unstructuring of responses,
and JSON Schema derived from the very same attrs classes.

A field's constraints (length, range, pattern, item count) live in its attrs
metadata, set with :func:`field`. :func:`structure` enforces them and
:func:`json_schema` publishes them, so the OpenAPI document cannot drift from
what the server accepts.

cattrs is made strict: a JSON string never becomes an int, ``"false"``
never becomes ``True``, and a string is not a list of characters.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._problems import FieldError, Problem

T = TypeVar("T")
_API = "api"


@attrs.frozen
class Constraints:
    description: str = ""
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    pattern: str | None = None
    min_items: int | None = None
    max_items: int | None = None
    item_max_length: int | None = None
    example: Any = None
    format: str | None = None


def meta(
    *,
    description: str = "",
    min_length: int | None = None,
    max_length: int | None = None,
    minimum: int | float | None = None,
    maximum: int | float | None = None,
    pattern: str | None = None,
    min_items: int | None = None,
    max_items: int | None = None,
    item_max_length: int | None = None,
    example: Any = None,
    format: str | None = None,
) -> dict[str, Any]:
    """attrs field metadata whose constraints are both checked and documented:
    ``name: str = attrs.field(metadata=meta(max_length=200))``."""
    return {
        _API: Constraints(
            description,
            min_length,
            max_length,
            minimum,
            maximum,
            pattern,
            min_items,
            max_items,
            item_max_length,
            example,
            format,
        )
    }


def _constraints(a: attrs.Attribute[Any]) -> Constraints:
    found = a.metadata.get(_API)
    return found if isinstance(found, Constraints) else Constraints()


# ----------------------------------------------------------------- cattrs


def _strict(kind: type, name: str) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        if isinstance(value, bool) and kind is not bool:
            raise TypeError(f"expected {name}")
        if kind is float and isinstance(value, int):
            return float(value)
        if kind is int and isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return int(value)  # JSON Schema: 39.0 is an integer
        if not isinstance(value, kind):
            raise TypeError(f"expected {name}")
        return value

    return hook


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(str, _strict(str, "a string"))
    conv.register_structure_hook(int, _strict(int, "an integer"))
    conv.register_structure_hook(bool, _strict(bool, "a boolean"))
    conv.register_structure_hook(float, _strict(float, "a number"))

    def is_list(t: Any) -> bool:
        return get_origin(t) is list

    def list_factory(t: Any) -> Callable[[Any, Any], Any]:
        (item,) = get_args(t)
        inner = conv.get_structure_hook(item)

        def hook(value: Any, _: Any) -> Any:
            if not isinstance(value, list):
                raise TypeError("expected an array")
            out, errors = [], []
            for i, v in enumerate(value):
                try:
                    out.append(inner(v, item))
                except Exception as exc:
                    exc.__notes__ = [*getattr(exc, "__notes__", []), f"@ [{i}]"]
                    errors.append(exc)
            if errors:
                raise IterableValidationError("invalid items", errors, t)
            return out

        return hook

    conv.register_structure_hook_factory(is_list, list_factory)

    def is_dict_any(t: Any) -> bool:
        return get_origin(t) is dict

    def dict_hook(value: Any, _: Any) -> Any:
        if not isinstance(value, dict):
            raise TypeError("expected an object")
        return value

    conv.register_structure_hook_factory(is_dict_any, lambda t: dict_hook)

    # ``from_`` in Python is ``from`` on the wire
    def renames(cls: Any) -> dict[str, Any]:
        return {a.name: override(rename=a.name.rstrip("_")) for a in attrs.fields(cls) if a.name.endswith("_")}

    conv.register_structure_hook_factory(
        attrs.has, lambda cls: make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True, **renames(cls))
    )
    conv.register_unstructure_hook_factory(
        attrs.has, lambda cls: make_dict_unstructure_fn(cls, conv, **renames(cls))
    )
    return conv


converter = _make_converter()


def _flatten(exc: BaseException, path: str, out: list[FieldError]) -> None:
    if isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            out.append(FieldError(_join(path, key), "unknown field"))
        return
    if isinstance(exc, ClassValidationError | IterableValidationError):
        for sub in exc.exceptions:
            name = ""
            for note in getattr(sub, "__notes__", []):
                if getattr(note, "name", None):
                    name = str(note.name).rstrip("_")
                elif getattr(note, "index", None) is not None:
                    name = f"[{note.index}]"
                elif isinstance(note, str) and note.startswith("@ ["):
                    name = note[2:]
                if name:
                    break
            _flatten(sub, _join(path, name) if name else path, out)
        return
    if isinstance(exc, KeyError):
        out.append(FieldError(path or "body", "is required"))
        return
    detail = str(exc) if isinstance(exc, TypeError | ValueError) and str(exc) else "invalid value"
    out.append(FieldError(path or "body", detail))



def _join(path: str, name: str) -> str:
    if not path:
        return name
    return f"{path}{name}" if name.startswith("[") else f"{path}.{name}"


def structure(data: Any, cls: type[T], *, location: str = "") -> T:
    """Turn decoded JSON into ``cls`` or raise a validation :class:`Problem`
    naming every bad field."""
    if not isinstance(data, dict):
        raise Problem("validation", "expected a JSON object", errors=[FieldError(location or "body", "expected an object")])
    try:
        value = converter.structure(data, cls)
    except Exception as exc:
        errors: list[FieldError] = []
        _flatten(exc, location, errors)
        if not errors:
            errors.append(FieldError(location or "body", "invalid value"))
        raise Problem("validation", "; ".join(f"{e.field}: {e.detail}" for e in errors), errors=errors) from None
    errors = []
    check(value, location, errors)
    if errors:
        raise Problem("validation", "; ".join(f"{e.field}: {e.detail}" for e in errors), errors=errors)
    return value


def check(value: Any, path: str, errors: list[FieldError]) -> None:
    """Enforce the metadata constraints of an attrs instance, recursively."""
    for a in attrs.fields(type(value)):
        v = getattr(value, a.name)
        c = _constraints(a)
        name = _join(path, a.name.rstrip("_"))
        if v is None:
            continue
        if isinstance(v, str):
            _check_str(v, c.min_length, c.max_length, c.pattern, name, errors)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            if c.minimum is not None and v < c.minimum:
                errors.append(FieldError(name, f"must be at least {c.minimum}"))
            if c.maximum is not None and v > c.maximum:
                errors.append(FieldError(name, f"must be at most {c.maximum}"))
        elif isinstance(v, list):
            if c.min_items is not None and len(v) < c.min_items:
                errors.append(FieldError(name, f"needs at least {c.min_items} items"))
            if c.max_items is not None and len(v) > c.max_items:
                errors.append(FieldError(name, f"takes at most {c.max_items} items"))
            for i, item in enumerate(v):
                if isinstance(item, str):
                    _check_str(item, 1 if c.item_max_length else None, c.item_max_length, None, f"{name}[{i}]", errors)
                elif attrs.has(type(item)):
                    check(item, f"{name}[{i}]", errors)
        elif attrs.has(type(v)):
            check(v, name, errors)


def _check_str(
    v: str, min_length: int | None, max_length: int | None, pattern: str | None, name: str, errors: list[FieldError]
) -> None:
    if min_length is not None and len(v) < min_length:
        errors.append(FieldError(name, "must not be empty" if min_length == 1 else f"must be at least {min_length} characters"))
    elif max_length is not None and len(v) > max_length:
        errors.append(FieldError(name, f"must be at most {max_length} characters"))
    elif pattern is not None and not re.fullmatch(pattern, v):
        errors.append(FieldError(name, f"must match {pattern}"))
    elif any(ord(ch) < 32 and ch not in "\t\r\n" for ch in v) or "\x00" in v:
        errors.append(FieldError(name, "must not contain control characters"))


def structure_query(args: dict[str, str], cls: type[T]) -> T:
    """Query parameters (all strings) into ``cls``, converting by field type."""
    hints = typing.get_type_hints(cls)
    data: dict[str, Any] = {}
    errors: list[FieldError] = []
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    names = {a.name for a in fields}
    for key in args:
        if key not in names:
            errors.append(FieldError(key, "unknown parameter"))
    for a in fields:
        if a.name not in args:
            continue
        raw = args[a.name]
        base = _strip_optional(hints[a.name])
        try:
            if base is int:
                if not re.fullmatch(r"-?\d{1,18}", raw):
                    raise ValueError("expected an integer")
                data[a.name] = int(raw)
            elif base is bool:
                if raw not in ("true", "false", "1", "0"):
                    raise ValueError("expected true or false")
                data[a.name] = raw in ("true", "1")
            elif get_origin(base) is Literal:
                if raw not in get_args(base):
                    raise ValueError("expected one of " + ", ".join(map(str, get_args(base))))
                data[a.name] = raw
            else:
                data[a.name] = raw
        except ValueError as exc:
            errors.append(FieldError(a.name, str(exc)))
    if errors:
        raise Problem("validation", "; ".join(f"{e.field}: {e.detail}" for e in errors), errors=errors)
    return structure(data, cls)


def unstructure(value: Any) -> Any:
    return converter.unstructure(value)


def register_fast_unstructure(cls: type, fn: Callable[[Any], Any]) -> None:
    """A hand-written unstructure for a hot type (list rows): cattrs' generic
    hooks cost more than the rest of an inbox request."""
    converter.register_unstructure_hook(cls, fn)


# -------------------------------------------------------------- JSON Schema


def _strip_optional(t: Any) -> Any:
    if get_origin(t) in (typing.Union, types.UnionType):
        args = [x for x in get_args(t) if x is not type(None)]
        if len(args) == 1:
            return args[0]
    return t


class SchemaRegistry:
    """Collects component schemas as types are referenced."""

    def __init__(self) -> None:
        self.components: dict[str, dict[str, Any]] = {}

    def ref(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.components:
            self.components[name] = {}  # placeholder for recursion
            self.components[name] = self._object(cls)
        return {"$ref": f"#/components/schemas/{name}"}

    def _object(self, cls: type) -> dict[str, Any]:
        hints = typing.get_type_hints(cls)
        props: dict[str, Any] = {}
        required: list[str] = []
        for a in attrs.fields(cls):
            schema = self.of(hints[a.name])
            c = _constraints(a)
            schema = dict(schema)
            if c.description:
                schema["description"] = c.description
            for key, val in (
                ("minLength", c.min_length),
                ("maxLength", c.max_length),
                ("minimum", c.minimum),
                ("maximum", c.maximum),
                ("pattern", c.pattern),
                ("minItems", c.min_items),
                ("maxItems", c.max_items),
                ("format", c.format),
            ):
                if val is not None:
                    if key == "pattern":
                        val = f"^(?:{val})$"
                    _constrain(schema, key, val)
            if c.item_max_length is not None:
                _constrain(schema, "items", {"type": "string", "minLength": 1, "maxLength": c.item_max_length})
            if c.example is not None:
                schema["examples"] = [c.example]
            if a.default is not attrs.NOTHING:
                default = a.default
                if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                    default = default.factory()
                if isinstance(default, str | int | float | bool | list) or default is None:
                    schema["default"] = default
            else:
                required.append(a.name.rstrip("_"))
            props[a.name.rstrip("_")] = schema
        out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
        if cls.__doc__:
            out["description"] = " ".join(cls.__doc__.split())
        if required:
            out["required"] = required
        return out

    def of(self, t: Any) -> dict[str, Any]:
        origin = get_origin(t)
        if t is str:
            return {"type": "string"}
        if t is bool:
            return {"type": "boolean"}
        if t is int:
            return {"type": "integer"}
        if t is float:
            return {"type": "number"}
        if t is type(None):
            return {"type": "null"}
        if t is Any:
            return {}
        if origin is Literal:
            values = list(get_args(t))
            return {"type": "string", "enum": values} if all(isinstance(v, str) for v in values) else {"enum": values}
        if origin in (typing.Union, types.UnionType):
            args = get_args(t)
            non_null = [x for x in args if x is not type(None)]
            if len(non_null) == 1 and len(args) == 2:
                inner = self.of(non_null[0])
                if "type" in inner and isinstance(inner["type"], str) and "$ref" not in inner:
                    inner = dict(inner)
                    inner["type"] = [inner["type"], "null"]
                    return inner
                return {"anyOf": [inner, {"type": "null"}]}
            return {"anyOf": [self.of(x) for x in args]}
        if origin is list:
            (item,) = get_args(t)
            return {"type": "array", "items": self.of(item)}
        if origin is dict:
            args = get_args(t)
            return {"type": "object", "additionalProperties": self.of(args[1]) if len(args) == 2 else {}}
        if isinstance(t, type) and attrs.has(t):
            return self.ref(t)
        raise TypeError(f"no JSON Schema for {t!r}")


def _constrain(schema: dict[str, Any], key: str, val: Any) -> None:
    """Put a constraint on the non-null branch of a nullable schema."""
    if "anyOf" in schema:
        for branch in schema["anyOf"]:
            if branch.get("type") != "null" and "$ref" not in branch:
                branch[key] = val
        return
    schema[key] = val
