"""Letter-level index fields rolled up from item documents. Pure Python (no Django), so the
index builder (search.documents) and bench/search.py build letters the same way."""
from __future__ import annotations


def unique(values) -> list:
    """Values in first-seen order, without duplicates or blanks."""
    seen, out = set(), []
    for v in values:
        if v in (None, "") or v in seen:
            continue
        seen.add(v)
        out.append(v)
    return out


def letter_fields_from_items(items: list[dict]) -> dict:
    """The letter-level facet and text fields rolled up from its item documents (also used by
    bench/search.py to build synthetic letters exactly as the index builds real ones)."""
    return {
        "decision": unique(i["decision"] for i in items),
        "procedure": unique(i["procedure"] for i in items),
        "procedure_category": unique(i["procedure_category"] for i in items),
        "body_region": unique(i["body_region"] for i in items),
        "guideline_document": unique(d for i in items for d in i["guideline_documents"]),
        "guideline_section": unique(s for i in items for s in i["guideline_sections"]),
        "requests": "\n".join(i["request"] for i in items),
        "rationale": "\n\n".join(i["rationale"] for i in items if i["rationale"]),
        "items": items,
    }
