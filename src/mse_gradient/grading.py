"""Answers as data: what the grader's kernel ships and what the grader judges.

``tools/grade.py`` runs each submitted notebook in a sandboxed kernel. The
kernel never says whether an answer is right: after each answer cell the
grader runs :func:`capture`, which turns the answer into JSON — numbers,
strings, containers, arrays, SymPy expressions (as ``srepr``) — and, for an
exercise whose answer is a function, the function's outputs on the probe
inputs of that exercise's judge. The grader then calls :func:`judge_payload`
in its own process: the judge of :mod:`mse_gradient.checks` runs on the
decoded data, with a replaying stub in place of the student's function. So
whatever the submission does inside its kernel (print "correct", replace
``mse_gradient.checks.check``, patch this module) changes at most the data
the grader judges, never the judgement.

Examples
--------
>>> decode(encode((1.5, [2, None], {"a": (4, 1)}))) == (1.5, [2, None], {"a": (4, 1)})
True
>>> payload = capture_payload("ew-ex-by-hand", {"answer": (-4 / 3, -2.0)})
>>> judge_payload("ew-ex-by-hand", payload)[0]
True
>>> judge_payload("td-ex-ridge", capture_payload("td-ex-ridge", {"answer": lambda t, X, y, a: 0 * t}))[0]
False
"""

from __future__ import annotations

import ast
import copy
import io
import json
import math
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import numpy as np

from .checks import EXERCISES, feedback

__all__ = ["MARKER", "encode", "decode", "capture", "capture_payload", "judge_payload", "ReplayMismatch"]

MARKER = "MSE-GRADE-PAYLOAD "
MAX_ITEMS = 200_000  # numbers, strings and containers in one encoded answer
MAX_TEXT = 20_000  # characters of one string or one SymPy srepr
MAX_DEPTH = 30


class _TooLarge(ValueError):
    pass


class Opaque:
    """Stands in for an object that cannot be shipped as data; every judge rejects it."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<a {self.type_name} object>"


class ReplayMismatch(BaseException):
    """The grader's judge asked the replaying stub for a call the kernel did not record.

    A ``BaseException``, so that the judges' ``except Exception`` does not
    mistake it for an error of the student's function.
    """


def _float(x: float) -> str:
    return repr(float(x))


def encode(value: Any, _budget: list[int] | None = None, _depth: int = 0) -> Any:
    """A JSON-ready, tagged description of ``value`` (see :func:`decode`).

    Raises
    ------
    ValueError
        If the value is too large or too deeply nested to ship.
    """
    budget = [MAX_ITEMS] if _budget is None else _budget
    budget[0] -= 1
    if budget[0] < 0 or _depth > MAX_DEPTH:
        raise _TooLarge("the answer is too large or too deeply nested")
    if value is None:
        return {"t": "none"}
    if value is Ellipsis:
        return {"t": "ellipsis"}
    if isinstance(value, (bool, np.bool_)):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, (int, np.integer)):
        text = str(int(value))
        if len(text) > 1000:
            raise _TooLarge("an integer with more than 1000 digits")
        return {"t": "int", "v": text}
    if isinstance(value, (float, np.floating)):
        return {"t": "float", "v": _float(value)}
    if isinstance(value, (complex, np.complexfloating)):
        return {"t": "complex", "v": [_float(value.real), _float(value.imag)]}
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise _TooLarge("a string longer than 20000 characters")
        return {"t": "str", "v": str(value)}
    if isinstance(value, np.ndarray):
        if value.size > budget[0]:
            raise _TooLarge(f"an array of {value.size} entries")
        budget[0] -= value.size
        if value.dtype.kind in "biuf":
            flat = value.astype(float if value.dtype.kind == "f" else value.dtype).ravel().tolist()
            data = [_float(x) for x in flat] if value.dtype.kind == "f" else [int(x) for x in flat]
            return {"t": "ndarray", "kind": value.dtype.kind, "shape": list(value.shape), "v": data}
        return {
            "t": "ndarray",
            "kind": "O",
            "shape": list(value.shape),
            "v": [encode(x, budget, _depth + 1) for x in value.ravel().tolist()],
        }
    for kind, types in (("tuple", tuple), ("list", list), ("set", (set, frozenset))):
        if isinstance(value, types):
            items = list(value)
            if len(items) > budget[0]:
                raise _TooLarge(f"a {kind} of {len(items)} items")
            return {"t": kind, "v": [encode(x, budget, _depth + 1) for x in items]}
    if isinstance(value, dict):
        if len(value) > budget[0]:
            raise _TooLarge(f"a dict of {len(value)} items")
        return {
            "t": "dict",
            "v": [[encode(k, budget, _depth + 1), encode(v, budget, _depth + 1)] for k, v in value.items()],
        }
    sympy_text = _sympy_srepr(value)
    if sympy_text is not None:
        return {"t": "sympy", "v": sympy_text}
    return {"t": "opaque", "type": type(value).__name__[:100]}


def _sympy_srepr(value: Any) -> str | None:
    module = type(value).__module__ or ""
    if not module.startswith("sympy"):
        return None
    import sympy

    if not isinstance(value, (sympy.Basic, sympy.MatrixBase)):
        return None
    text = sympy.srepr(value)
    if len(text) > MAX_TEXT:
        raise _TooLarge("a SymPy expression too long to ship")
    return text


def decode(data: Any, _depth: int = 0) -> Any:
    """The value that :func:`encode` described; never evaluates code.

    SymPy expressions are rebuilt from their ``srepr`` by a parser that only
    calls SymPy classes on literal arguments.
    """
    if _depth > MAX_DEPTH + 2 or not isinstance(data, dict):
        raise ValueError("malformed answer data")
    t = data.get("t")
    v = data.get("v")
    if t == "none":
        return None
    if t == "ellipsis":
        return Ellipsis
    if t == "bool":
        return bool(v)
    if t == "int":
        if not isinstance(v, str) or len(v) > 1001:
            raise ValueError("malformed integer")
        return int(v)
    if t == "float":
        return float(v)
    if t == "complex":
        return complex(float(v[0]), float(v[1]))
    if t == "str":
        if not isinstance(v, str):
            raise ValueError("malformed string")
        return v
    if t == "ndarray":
        shape = tuple(int(s) for s in data["shape"])
        kind = data["kind"]
        if kind == "O":
            flat = [decode(x, _depth + 1) for x in v]
            out = np.empty(len(flat), dtype=object)
            out[:] = flat
        else:
            out = np.array(
                [float(x) for x in v] if kind == "f" else [int(x) for x in v],
                dtype={"b": bool, "i": np.int64, "u": np.uint64, "f": float}[kind],
            )
        if math.prod(shape) != out.size:
            raise ValueError("malformed array")
        return out.reshape(shape)
    if t in ("tuple", "list", "set"):
        items = [decode(x, _depth + 1) for x in v]
        return {"tuple": tuple, "list": list, "set": set}[t](items)
    if t == "dict":
        return {decode(k, _depth + 1): decode(x, _depth + 1) for k, x in v}
    if t == "sympy":
        return _safe_sympy(v)
    if t == "opaque":
        return Opaque(str(data.get("type", "object"))[:100])
    raise ValueError(f"unknown answer data type {t!r}")


def _safe_sympy(text: str) -> Any:
    """Rebuild a SymPy object from its ``srepr`` without ``eval``."""
    import sympy

    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ValueError("malformed SymPy data")
    tree = ast.parse(text, mode="eval")
    allowed = {"ImmutableDenseMatrix", "MutableDenseMatrix", "Matrix"}

    def callable_named(name: str) -> Any:
        obj = getattr(sympy, name, None)
        ok = isinstance(obj, type) and (issubclass(obj, sympy.Basic) or name in allowed)
        if not ok:
            raise ValueError(f"{name} is not a SymPy class")
        return obj

    def build(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
            if isinstance(node.value, int) and abs(node.value) > 10**1000:
                raise ValueError("integer too large")
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = build(node.operand)
            if not isinstance(value, (int, float)):
                raise ValueError("unexpected minus")
            return -value
        if isinstance(node, (ast.Tuple, ast.List)):
            items = [build(x) for x in node.elts]
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                func = callable_named(node.func.id)
            elif isinstance(node.func, ast.Call):  # Function('f')(x)
                func = build(node.func)
                if not isinstance(func, sympy.FunctionClass):
                    raise ValueError("only an undefined function can be applied")
            else:
                raise ValueError("unexpected call in SymPy data")
            args = [build(a) for a in node.args]
            kwargs = {k.arg: build(k.value) for k in node.keywords if k.arg is not None}
            return func(*args, **kwargs)
        raise ValueError(f"unexpected {type(node).__name__} in SymPy data")

    with sympy.evaluate(False):
        return build(tree.body)


def _is_function_exercise(label: str) -> bool:
    return EXERCISES[label].template.lstrip().startswith("def ")


def _ship(value: Any) -> Any:
    """The value the grader will see: encoded, then decoded (the judges see the same thing on both sides)."""
    try:
        return decode(encode(value))
    except ValueError:
        return Opaque(type(value).__name__)


def capture_payload(label: str, namespace: dict[str, Any]) -> str:
    """Kernel side: the JSON the grader judges for exercise ``label``.

    ``namespace`` is where the answer cell ran (the kernel's ``globals()``).
    For a function answer, the exercise's judge runs here once with a
    recording wrapper around the function: the payload holds the calls and
    what the function returned or raised, and the grader replays them.
    """
    if "answer" not in namespace:
        return json.dumps({"kind": "missing"})
    answer = namespace["answer"]
    if not (_is_function_exercise(label) and callable(answer)):
        try:
            return json.dumps({"kind": "value", "value": encode(answer)})
        except ValueError as error:
            return json.dumps({"kind": "unshippable", "why": str(error)})
    calls: list[dict[str, Any]] = []

    def recorder(*args: Any) -> Any:
        record: dict[str, Any] = {"args": encode(args)}
        calls.append(record)
        try:
            result = answer(*copy.deepcopy(args))
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # noqa: BLE001 - SystemExit too: it is the student's function that raised
            record["raised"] = [type(error).__name__[:100], str(error)[:300]]
            raise _rebuild_error(type(error).__name__, str(error)) from None
        try:
            record["result"] = encode(result)
        except ValueError as error:
            record["result"] = {"t": "opaque", "type": f"{type(result).__name__} ({error})"}
        return decode(record["result"])

    sink = io.StringIO()
    try:
        with redirect_stdout(sink), redirect_stderr(sink):
            EXERCISES[label].judge(recorder)
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - the grader judges what was recorded
        pass
    return json.dumps({"kind": "function", "calls": calls})


def capture(label: str, namespace: dict[str, Any]) -> None:
    """Print :func:`capture_payload` on one line after :data:`MARKER` (the grader's injected cell calls this)."""
    print(MARKER + capture_payload(label, namespace), flush=True)


def _rebuild_error(name: str, message: str) -> Exception:
    safe = name if name.isidentifier() else "Error"
    return type(safe, (Exception,), {})(message)


def _same(recorded: Any, args: tuple[Any, ...]) -> bool:
    try:
        given = decode(recorded)
    except ValueError:
        return False
    if not isinstance(given, tuple) or len(given) != len(args):
        return False
    for a, b in zip(given, args):
        try:
            if not np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-12, atol=1e-12):
                return False
        except (TypeError, ValueError):
            return False
    return True


def _replayer(calls: list[dict[str, Any]]) -> Callable[..., Any]:
    position = [0]

    def answer(*args: Any) -> Any:
        k = position[0]
        if k >= len(calls) or not _same(calls[k].get("args"), args):
            raise ReplayMismatch(k)
        position[0] += 1
        if "raised" in calls[k]:
            name, message = calls[k]["raised"]
            raise _rebuild_error(str(name), str(message))
        return decode(calls[k]["result"])

    return answer


def judge_payload(label: str, payload: str) -> tuple[bool, str]:
    """Grader side: judge the kernel's payload for ``label`` with the judges of :mod:`mse_gradient.checks`.

    Returns ``(passed, message)``; the message is what the self-check says,
    or why the answer could not be judged.
    """
    try:
        data = json.loads(payload)
        kind = data["kind"]
    except (ValueError, KeyError, TypeError):
        return False, "not graded: the grader could not read the answer back from the kernel"
    if kind == "missing":
        return False, "no answer: the answer cell does not define `answer`"
    if kind == "unshippable":
        return False, f"not graded: {data.get('why', 'the answer cannot be read as data')}"
    try:
        if kind == "value":
            answer = decode(data["value"])
        elif kind == "function":
            calls = data["calls"]
            if not isinstance(calls, list) or not all(isinstance(c, dict) for c in calls):
                raise ValueError("malformed calls")
            answer = _replayer(calls)
        else:
            raise ValueError(kind)
    except (ValueError, KeyError, TypeError, SyntaxError, RecursionError):
        return False, "not graded: the answer data sent back by the kernel is malformed"
    try:
        return feedback(label, answer)
    except ReplayMismatch:
        return False, (
            "not graded: the calls recorded in the kernel do not match the check's inputs "
            "(was mse_gradient changed in the notebook?)"
        )
    except Exception as error:  # noqa: BLE001 - a judge tripping over odd data must not stop the grading
        return False, f"not graded: the check could not judge this answer ({type(error).__name__}: {error})"
