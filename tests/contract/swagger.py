"""The official qTest Manager 2023.6 swagger, as packaged in qtest-swagger-client 0.0.3, read as a contract.

`operations()` reads every operation from the generated `api/*.py` files
(path, method, query parameters, the body's model from the docstring, the
answer's model from `response_type`), so the mapping is the official one rather than typed here.
`problems()` compares a JSON document with a model: every key must be a
JSON name of the model (`attribute_map`), every value of its type
(`swagger_types`); `deserialize()` then has the package itself build its
model objects, which enforces its required fields, enums and lengths.
"""

import inspect
import json
import re
from dataclasses import dataclass
from typing import Optional, Pattern

from dateutil.parser import isoparse
from swagger_client import api as swagger_api
from swagger_client import models
from swagger_client.api_client import ApiClient

PRIMITIVES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}
_CALL = re.compile(r"call_api\(\s*'([^']+)',\s*'([A-Z]+)'")
_RESPONSE = re.compile(r"response_type=(?:'([^']*)'|None)")
_QUERY = re.compile(r"query_params\.append\(\('([^']+)'")


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: str
    request: Optional[str]
    response: Optional[str]
    query: frozenset
    pattern: Pattern
    literals: int


def operations():
    """Every operation of the official swagger, from the generated API classes."""
    found = []
    for class_name, api_class in inspect.getmembers(swagger_api, inspect.isclass):
        for name, function in inspect.getmembers(api_class, inspect.isfunction):
            if not name.endswith("_with_http_info"):
                continue
            source = inspect.getsource(function)
            path, method = _CALL.search(source).groups()
            declared = _RESPONSE.search(source)
            response = (declared and declared.group(1)) or _docstring_type(function, r":return: (\S+)")
            request = _docstring_type(function, r":param (\S+) body:")
            segments = path.strip("/").split("/")
            pattern = re.compile("^/" + "/".join("[^/]+" if s.startswith("{") else re.escape(s) for s in segments) + "$")
            found.append(Operation(f"{class_name}.{name[:-len('_with_http_info')]}", method, path, request, response,
                                   frozenset(_QUERY.findall(source)), pattern,
                                   sum(not s.startswith("{") for s in segments)))
    return found


def _docstring_type(function, regex):
    match = re.search(regex, function.__doc__ or "")
    return match.group(1) if match else None


def operation_for(all_operations, method, path):
    """The operation serving `method path`: of those whose pattern matches, the one with most literal segments."""
    matching = [op for op in all_operations if op.method == method and op.pattern.match(path)]
    return max(matching, key=lambda op: op.literals) if matching else None


def problems(value, swagger_type, where="body"):
    """What in `value` the model `swagger_type` does not describe: unknown keys and values of another type."""
    if value is None or swagger_type == "object":
        return []
    listed = re.fullmatch(r"list\[(.+)\]", swagger_type)
    if listed:
        if not isinstance(value, list):
            return [f"{where}: expected a list ({swagger_type}), got {type(value).__name__}"]
        return [p for n, item in enumerate(value) for p in problems(item, listed.group(1), f"{where}[{n}]")]
    mapping = re.fullmatch(r"dict\((\w+), (.+)\)", swagger_type)
    if mapping:
        if not isinstance(value, dict):
            return [f"{where}: expected an object ({swagger_type}), got {type(value).__name__}"]
        return [p for key, item in value.items() for p in problems(item, mapping.group(2), f"{where}.{key}")]
    if swagger_type in PRIMITIVES:
        wanted = PRIMITIVES[swagger_type]
        if isinstance(value, bool) and bool not in wanted or not isinstance(value, wanted):
            return [f"{where}: expected {swagger_type}, got {type(value).__name__} {value!r}"]
        return []
    if swagger_type in ("datetime", "date"):
        return _instant_problems(value, swagger_type, where)
    return _model_problems(value, getattr(models, swagger_type), where)


def _instant_problems(value, swagger_type, where):
    try:
        isoparse(value)
    except (TypeError, ValueError):
        return [f"{where}: expected an ISO 8601 {swagger_type}, got {value!r}"]
    return []


def _model_problems(value, model, where):
    if not isinstance(value, dict):
        return [f"{where}: expected an object ({model.__name__}), got {type(value).__name__}"]
    attributes = {json_name: attribute for attribute, json_name in model.attribute_map.items()}
    found = []
    for key, item in value.items():
        if key not in attributes:
            found.append(f"{where}: key '{key}' is not in {model.__name__} (its keys: "
                         f"{', '.join(sorted(attributes))})")
        else:
            found.extend(problems(item, model.swagger_types[attributes[key]], f"{where}.{key}"))
    return found


class _Answer:
    """What ApiClient.deserialize reads from an HTTP answer."""

    def __init__(self, payload):
        self.data = json.dumps(payload)


def deserialize(payload, swagger_type):
    """Build the package's own model objects from `payload`; raises ValueError where its rules are broken."""
    return ApiClient().deserialize(_Answer(payload), swagger_type)
