"""The strict JSON option reader of the BasicSR-style packages (gdsr, fasrgan, dgpnet).

An option file is JSON with ``//`` comments (to the end of the line, outside strings). Each package
declares a schema: a dict whose values are fields (``Int``, ``Num``, ``Bool``, ``Str``, ``List``,
``Any``), nested dicts (sections), ``Section(..., optional=True)`` or ``Entries`` (named entries such
as ``datasets.train`` / ``datasets.val_1``). :func:`parse` checks a file against it:

* an unknown key is an error with the closest known key ("unknown key 'batchsize' in datasets.train
  (did you mean 'batch_size'?)");
* a value of the wrong type or out of range is an error naming the dotted key ('datasets.train.batch_size'
  must be a positive integer, got "2"); integers are not strings, bools or fractions (``5e5`` is 500000);
* a missing key takes its default; a missing ``REQUIRED`` key is an error.

Every error is an :class:`OptionError` (a ``common.cli.UsageError``, exit code 2) of one line that
starts with the file name.
"""
import copy
import difflib
import json
import math
import os
import re

from common.cli import UsageError

__all__ = ["OptionError", "REQUIRED", "Field", "Int", "Num", "Bool", "Str", "List", "Any", "Folders", "Section", "Entries",
           "strip_comments", "read_json", "check", "parse", "fail", "apply_overrides"]

REQUIRED = object()


class OptionError(UsageError):
    """A bad option file, key or value; the message is one line naming the file and the key."""


def fail(path, message):
    """Raise the OptionError ``<path>: <message>``."""
    raise OptionError(f"{path}: {message}")


class Field:
    """One value: its kind ('int', 'num', 'bool', 'str', 'list', 'any'), default and checks.

    ``null``: whether JSON null is allowed (default: when the default is None). ``min``: the smallest
    allowed value (inclusive; for 'num' with ``positive`` the value must also be > 0). ``choices``:
    the allowed values. ``item``: the Field of each list element.
    """

    def __init__(self, kind, default=REQUIRED, choices=None, min=None, positive=False, item=None, null=None):
        self.kind, self.default, self.choices, self.min = kind, default, choices, min
        self.positive, self.item = positive, item
        self.null = default is None if null is None else null


def Int(default=REQUIRED, min=None, choices=None, null=None):
    return Field("int", default, choices, min, null=null)


def Num(default=REQUIRED, min=None, positive=False, null=None):
    return Field("num", default, None, min, positive, null=null)


def Bool(default=REQUIRED, null=None, choices=None):
    return Field("bool", default, choices, null=null)


def Str(default=REQUIRED, choices=None, null=None):
    return Field("str", default, choices, null=null)


def List(default=REQUIRED, item=None, null=None):
    return Field("list", default, item=item, null=null)


def Any(default=None):
    return Field("any", default, null=True)


def Folders(default=REQUIRED, null=None):
    """A folder, or a list of folders whose images are read as one set (e.g. T91 and BSD200)."""
    return Field("folders", default, null=null)


class Section:
    """A nested object. ``optional``: left out of the result when the file does not have it."""

    def __init__(self, fields, optional=False):
        self.fields, self.optional = fields, optional


class Entries:
    """An object of named entries: each key must match one of ``rules`` ([(regex, schema)]);
    ``hint`` names the allowed keys in the error message."""

    def __init__(self, rules, hint):
        self.rules, self.hint = rules, hint


def strip_comments(text):
    """Drop ``//`` comments outside JSON strings (``"http://x"`` survives); line numbers are kept."""
    out, i, n, in_str = [], 0, len(text), False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _no_duplicates(path):
    def hook(pairs):
        seen = {}
        for k, v in pairs:
            if k in seen:
                fail(path, f"key '{k}' appears twice")
            seen[k] = v
        return seen
    return hook


def read_json(path):
    """The option file as a dict (comments removed); a missing file or invalid JSON is an OptionError."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        fail(path, "no such option file")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        fail(path, "not a UTF-8 text file")
    except OSError as exc:
        fail(path, f"cannot be read ({exc.strerror})")
    try:
        data = json.loads(strip_comments(text), object_pairs_hook=_no_duplicates(path))
    except json.JSONDecodeError as exc:
        fail(path, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
    if not isinstance(data, dict):
        fail(path, "the top level must be a JSON object")
    return data


def _show(value):
    return json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else str(value)


def _int_words(f):
    if f.min == 1:
        return "a positive integer"
    if f.min == 0:
        return "an integer >= 0"
    return f"an integer >= {f.min}" if f.min is not None else "an integer"


def _value(value, f, key, path):
    """``value`` checked against Field ``f`` (integral floats become ints)."""
    if value is None:
        if not f.null:
            fail(path, f"'{key}' may not be null")
        return None
    bad = None
    if f.kind == "int":
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)       # 5e5 in an option file means 500000
        if isinstance(value, bool) or not isinstance(value, int) or (f.min is not None and value < f.min):
            bad = _int_words(f)
    elif f.kind == "num":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or (f.min is not None and value < f.min) or (f.positive and value <= 0):
            bad = "a number > 0" if f.positive else f"a number >= {f.min}" if f.min is not None else "a number"
    elif f.kind == "bool" and not isinstance(value, bool):
        bad = "true or false"
    elif f.kind == "str" and (not isinstance(value, str) or (f.default is REQUIRED and not value)):
        bad = "a non-empty string" if f.default is REQUIRED else "a string"
    elif f.kind == "folders":
        ok = isinstance(value, str) and value or (isinstance(value, list) and value
                                                  and all(isinstance(v, str) and v for v in value))
        if not ok:
            bad = "a folder or a non-empty list of folders"
    elif f.kind == "list":
        if not isinstance(value, list):
            bad = "a list"
        elif f.item is not None:
            value = [_value(v, f.item, f"{key}[{i}]", path) for i, v in enumerate(value)]
    if bad is None and f.choices is not None and value not in f.choices:
        bad = "one of " + ", ".join(_show(c) for c in f.choices)
    if bad is not None:
        fail(path, f"'{key}' must be {bad}, got {_show(value)}")
    return value


def _default(spec, key, path):
    if isinstance(spec, Field):
        if spec.default is REQUIRED:
            fail(path, f"missing required key '{key}'")
        return copy.deepcopy(spec.default)
    if isinstance(spec, Entries):
        return {}
    return check({}, spec.fields if isinstance(spec, Section) else spec, path, key)


def _unknown(key, where, known, path):
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    place = f" in {where}" if where else ""
    fail(path, f"unknown key '{key}'{place}{hint}")


def _entries(data, spec, path, where):
    if not isinstance(data, dict):
        fail(path, f"'{where}' must be an object")
    out = {}
    for name, value in data.items():
        schema = next((s for rx, s in spec.rules if re.fullmatch(rx, name)), None)
        if schema is None:
            fail(path, f"unknown key '{name}' in {where} (use {spec.hint})")
        out[name] = check(value, schema, path, f"{where}.{name}")
    return out


def check(data, schema, path, where=""):
    """``data`` checked against ``schema`` with the defaults filled in; ``where`` is the dotted prefix."""
    if not isinstance(data, dict):
        fail(path, f"{repr(where) if where else 'the top level'} must be an object, got {_show(data)}")
    for key in data:
        if key not in schema:
            _unknown(key, where, schema, path)
    out = {}
    for key, spec in schema.items():
        name = f"{where}.{key}" if where else key
        if key not in data:
            if isinstance(spec, Section) and spec.optional:
                continue
            out[key] = _default(spec, name, path)
        elif isinstance(spec, Field):
            out[key] = _value(data[key], spec, name, path)
        elif isinstance(spec, Entries):
            out[key] = _entries(data[key], spec, path, name)
        elif isinstance(spec, Section):
            out[key] = check(data[key], spec.fields, path, name)
        else:
            out[key] = check(data[key], spec, path, name)
    return out


def parse(path, schema):
    """Read ``path`` and check it against ``schema``; returns a plain dict."""
    return check(read_json(path), schema, os.fspath(path))


def apply_overrides(raw, overrides, path):
    """BasicSR's ``--force_yml``: each ``a:b=value`` sets ``raw['a']['b']`` (value parsed as JSON if it can be)."""
    for item in overrides or ():
        if "=" not in item:
            fail(path, f"override {item!r} is not key:sub=value")
        keys, value = item.split("=", 1)
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass
        node, parts = raw, keys.split(":")
        for k in parts[:-1]:
            node = node.setdefault(k, {})
            if not isinstance(node, dict):
                fail(path, f"override {item!r}: '{k}' is not a section")
        node[parts[-1]] = value
    return raw
