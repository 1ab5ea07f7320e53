"""Parser output against hand-checked expected JSON, from the shipped text and from the PDF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cases.parser import extract_text, parse_file, parse_text

OUT = Path(__file__).resolve().parent / "out"
GOLDEN = sorted(p.stem for p in OUT.glob("*.json"))
# Letters of layouts with no letter in the shared data are text fixtures, checked against their
# golden file by tests/parser/test_layouts.py (adding a layout: docs/letter-layouts.md).
FIXTURE_LETTERS = Path(__file__).resolve().parent.parent / "parser" / "fixtures" / "letters"
DWC = [name for name in GOLDEN if name.startswith("CM") and not (FIXTURE_LETTERS / f"{name}.txt").exists()]


def diff(expected, actual, path="") -> list[str]:
    """Field-by-field differences, with a path to each."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                out.append(f"{path}.{key}: missing from parser output")
            elif key not in expected:
                out.append(f"{path}.{key}: unexpected key")
            else:
                out.extend(diff(expected[key], actual[key], f"{path}.{key}"))
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        out = []
        if len(expected) != len(actual):
            out.append(f"{path}: expected {len(expected)} entries, got {len(actual)}")
        for i, (e, a) in enumerate(zip(expected, actual)):
            out.extend(diff(e, a, f"{path}[{i}]"))
        return out
    if expected != actual:
        return [f"{path}:\n    expected {expected!r}\n    got      {actual!r}"]
    return []


def check(name: str, parsed) -> None:
    expected = json.loads((OUT / f"{name}.json").read_text(encoding="utf-8"))
    problems = diff(expected, parsed.to_dict())
    assert not problems, f"{name} differs from tests/golden/out/{name}.json:\n" + "\n".join(problems)


def test_golden_set_size():
    assert len(DWC) >= 12
    assert "000_c1dd6188e3508088" in GOLDEN


@pytest.mark.parametrize("name", DWC)
def test_golden_from_text(name, dwc_txt_dir):
    check(name, parse_file(dwc_txt_dir / f"{name}.txt"))


@pytest.mark.parametrize("name", DWC)
def test_golden_from_pdf(name, dwc_pdf_dir):
    check(name, parse_text(extract_text(dwc_pdf_dir / f"{name}.pdf")))


def test_golden_seed_letter(seed_letter_path):
    assert seed_letter_path.stem == "000_c1dd6188e3508088"
    check(seed_letter_path.stem, parse_file(seed_letter_path))
