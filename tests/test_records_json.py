"""The pack's JSON writer writes exactly what `json.dumps(..., indent=2)` writes."""

import json
from decimal import Decimal

import pytest

from insight_workbench.subject_requests.records_json import records_json

CASES = [
    [],
    [{}],
    [{"a": 1}, {}],
    [
        {
            "user_id": "U1",
            "name": 'Zoë "Z" O\'Neil\\\n\t\u2028\x00',
            "count": -12,
            "share": 0.1,
            "big": 10**30,
            "nan": float("nan"),
            "inf": float("inf"),
            "minus_inf": float("-inf"),
            "ok": True,
            "no": False,
            "none": None,
            "emoji 😀": "😀",
        }
    ],
]


@pytest.mark.parametrize("records", CASES)
def test_same_text_as_json_dumps(records: list[dict[str, object]]) -> None:
    assert records_json(records) == json.dumps(records, indent=2, ensure_ascii=False)


def test_other_values_go_to_json_dumps() -> None:
    records = [{"a": "x"}, {"b": [1, "y"], "c": {"d": None}}]
    assert records_json(records) == json.dumps(records, indent=2, ensure_ascii=False)


def test_a_value_json_cannot_write_is_refused_as_by_json_dumps() -> None:
    with pytest.raises(TypeError):
        records_json([{"amount": Decimal("1.5")}])
