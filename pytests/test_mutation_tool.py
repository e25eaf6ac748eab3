"""scripts/mutation.py finds every SQL comparison and nothing else (make mutation relies on it)."""

import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "mutation.py"


def _mutation():
    spec = importlib.util.spec_from_file_location("mutation", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_comparisons_are_found_outside_comments_strings_jinja_and_lambdas():
    sql = (
        "select a >= 1, b > 2, c <= 3, d < 4, e = 5, f <> 6, g != 7\n"
        "-- h >= 8 in a comment\n"
        "/* i < 9 in a block comment */\n"
        "{# j = 10 in a Jinja comment #} {{ var('k') ~ '>=' }} {% if x > 1 %}\n"
        "where l = 'm >= n' and transform(items, item -> item.value) = o"
    )
    found = _mutation().comparison_operators(sql)
    assert [op for _, op in found] == [">=", ">", "<=", "<", "=", "<>", "!=", "=", "="]
    assert [sql[offset:offset + len(op)] for offset, op in found] == [op for _, op in found]
