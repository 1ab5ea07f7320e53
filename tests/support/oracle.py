"""What the search must return, computed from the database with the ORM and hand-written
patterns over the letter text, never with the search code (search.documents, search.params, the
taxonomy's expansion or the engines).

A decision is a DisputedItem of a letter that parsed. Procedure queries are stated here as the
procedures their decisions are classified as (the classification is stored on the item when the
letter is ingested) plus a hand-written pattern for requests that name the procedure but were
classified as something else ("Compound Cyclobenzaprine 5%" is a compounded topical).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from cases.models import Determination, DisputedItem, GuidelineCitation


def items():
    return DisputedItem.objects.exclude(determination__parse_status=Determination.ParseStatus.FAILED)


def ids(qs) -> set[int]:
    return set(qs.values_list("id", flat=True))


def letters_of(item_ids: set[int]) -> set[int]:
    return set(DisputedItem.objects.filter(pk__in=item_ids).values_list("determination_id", flat=True))


def decisions_of(item_ids: set[int]) -> Counter:
    return Counter(DisputedItem.objects.filter(pk__in=item_ids).values_list("decision", flat=True))


@dataclass
class ProcedureCase:
    """A query naming a procedure, and the decisions it must select."""

    q: str
    procedures: list[str]
    # Requests (or disputed portions) naming the procedure in words the classification gave to
    # another procedure.
    request: str = ""
    # The body region the query names: the decision's request must name it.
    region: str = ""
    filters: dict = field(default_factory=dict)
    # For the backend contract (which takes a decision query, not a typed one): the phrases and
    # canonical regions the typed query stands for, written out by hand.
    phrases: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)

    def expected(self) -> set[int]:
        chosen = set()
        pattern = re.compile(self.request, re.I) if self.request else None
        region = re.compile(self.region, re.I) if self.region else None
        for item in items().select_related("determination"):
            text = f"{item.request}\n{item.disputed_portion or ''}"
            if not (item.procedure in self.procedures or (pattern and pattern.search(text))):
                continue
            if region and not region.search(item.request.split(" was the original request")[0]):
                continue
            if not _filters_hold(item, self.filters):
                continue
            chosen.add(item.pk)
        return chosen


def _filters_hold(item: DisputedItem, filters: dict) -> bool:
    det = item.determination
    for facet, values in filters.items():
        values = values if isinstance(values, list) else [values]
        if facet == "decision_year":
            have = {str(det.decision_date.year)} if det.decision_date else set()
        elif facet == "specialty":
            have = {s.strip() for s in det.reviewer_specialty or []}
        elif facet in ("decision", "request_category", "procedure", "procedure_category", "body_region"):
            have = {getattr(item, facet)}
        else:
            raise ValueError(f"the oracle does not know facet {facet!r}")
        if not have & set(values):
            return False
    return True


# Regions, as the taxonomy data names them, written again by hand.
LUMBAR = r"\blumbar|\blow(er)? back|lumbosacral|\bL[1-5]\b"
CERVICAL = r"\bcervical|\bneck\b|\bC[1-7]\b"

MRI = ["MRI", "magnetic resonance imaging"]
PT = ["physical therapy", "physiotherapy"]

PROCEDURE_CASES = [
    ProcedureCase(
        "MBB",
        ["medial branch block", "facet joint injection"],
        r"medial branch|facet (joint )?(injection|block)",
        phrases=["medial branch block", "facet joint injection", "facet injection", "facet block"],
    ),
    ProcedureCase(
        "lumbar MRI", ["MRI"], r"\bMRI\b|magnetic resonance", region=LUMBAR, phrases=MRI, regions=["lumbar spine"]
    ),
    ProcedureCase(
        "lumbar MRI",
        ["MRI"],
        r"\bMRI\b|magnetic resonance",
        region=LUMBAR,
        filters={"decision": ["Upheld"]},
        phrases=MRI,
        regions=["lumbar spine"],
    ),
    ProcedureCase(
        "cervical MRI", ["MRI"], r"\bMRI\b|magnetic resonance", region=CERVICAL, phrases=MRI, regions=["cervical spine"]
    ),
    ProcedureCase(
        "shoulder MRI",
        ["MRI"],
        r"\bMRI\b|magnetic resonance",
        region=r"shoulder|rotator cuff",
        phrases=MRI,
        regions=["shoulder"],
    ),
    ProcedureCase(
        "Norco",
        ["hydrocodone/acetaminophen"],
        r"norco|hydrocodone|vicodin|lortab",
        phrases=["Norco", "hydrocodone", "Vicodin", "Lortab"],
    ),
    ProcedureCase("physical therapy", ["physical therapy"], r"physical therap|physiotherap", phrases=PT),
    ProcedureCase(
        "physical therapy",
        ["physical therapy"],
        r"physical therap|physiotherap",
        filters={"decision": ["Overturned"]},
        phrases=PT,
    ),
    ProcedureCase(
        "physical therapy",
        ["physical therapy"],
        r"physical therap|physiotherap",
        filters={"body_region": ["lumbar spine"], "decision_year": ["2017"]},
        phrases=PT,
    ),
    ProcedureCase(
        "EMG/NCS",
        ["EMG/NCS"],
        r"\bEMG\b|\bNC[SV]\b|electromyogra|nerve conduction",
        phrases=["EMG", "NCS", "NCV", "electromyography", "nerve conduction"],
    ),
    ProcedureCase("acupuncture", ["acupuncture"], r"acupunct", phrases=["acupuncture"]),
    ProcedureCase("chiropractic", ["chiropractic manipulation"], r"chiropract", phrases=["chiropractic"]),
    ProcedureCase(
        "TENS unit",
        ["TENS unit"],
        r"\bTENS\b|transcutaneous",
        phrases=["TENS unit", "TENS", "transcutaneous electrical nerve stimulation"],
    ),
    ProcedureCase(
        "Flexeril", ["cyclobenzaprine"], r"flexeril|cyclobenzaprine", phrases=["Flexeril", "cyclobenzaprine"]
    ),
    ProcedureCase("tramadol", ["tramadol"], r"tramadol|ultram", phrases=["tramadol", "Ultram"]),
    ProcedureCase("x-ray", ["X-ray"], r"x-?\s?rays?\b|radiograph", phrases=["x-ray", "xray", "x ray", "radiograph"]),
    # A word naming a procedure in another of its forms selects that procedure's decisions (not
    # every decision of a letter mentioning the word): a compound alone, a clipped word, a brand.
    ProcedureCase(
        "shockwave",
        ["extracorporeal shockwave therapy (ESWT)"],
        r"shock.?wave|\bESWT\b",
        phrases=["extracorporeal shockwave", "shockwave therapy", "shock wave therapy", "ESWT"],
    ),
    ProcedureCase("chiro", ["chiropractic manipulation"], r"chiropract|\bchiro\b", phrases=["chiropractic", "chiro"]),
    ProcedureCase(
        "Ultram", ["tramadol"], r"tramadol|ultram|synapryn|ultracet", phrases=["tramadol", "Ultram", "Synapryn"]
    ),
]
# The same queries narrowed by filters, as users narrow them.
_FILTERS = {
    "MBB": {"decision": ["Upheld"]},
    "cervical MRI": {"specialty": ["Family Practice", "Preventive Medicine"]},
    "shoulder MRI": {"decision": ["Overturned"]},
    "Norco": {"decision": ["Overturned"]},
    "EMG/NCS": {"body_region": ["upper extremities", "lower extremities"]},
    "acupuncture": {"decision_year": ["2017"], "decision": ["Upheld"]},
    "chiropractic": {"specialty": ["Physical Medicine & Rehabilitation"], "body_region": ["lumbar spine"]},
    "TENS unit": {"decision": ["Upheld"]},
    "Flexeril": {"procedure_category": ["medications: muscle relaxants"]},
    "tramadol": {"specialty": ["Pain Management"]},
    "x-ray": {"body_region": ["lumbar spine"], "decision": ["Upheld"]},
    "Ultram": {"request_category": ["Pharmaceuticals › Opioids"]},
    "chiro": {"request_category": ["Rehabilitation › Chiropractic"], "decision": ["Upheld"]},
}
PROCEDURE_CASES += [
    ProcedureCase(c.q, c.procedures, c.request, c.region, _FILTERS[c.q], c.phrases, c.regions)
    for c in list(PROCEDURE_CASES)
    if c.q in _FILTERS and not c.filters
]


def facet_counts() -> dict[str, Counter]:
    """Decisions per value of every facet, for the whole corpus (the empty query)."""
    out: dict[str, Counter] = defaultdict(Counter)
    rows = items().select_related("determination")
    for item in rows:
        det = item.determination
        for name in ("decision", "request_category", "procedure", "procedure_category", "body_region"):
            if getattr(item, name):
                out[name][getattr(item, name)] += 1
        if det.decision_date:
            out["decision_year"][str(det.decision_date.year)] += 1
        for s in {s.strip() for s in det.reviewer_specialty or [] if isinstance(s, str) and s.strip()}:
            out["specialty"][s] += 1
    documents: dict[str, set] = defaultdict(set)
    sections: dict[str, set] = defaultdict(set)
    citations = (
        GuidelineCitation.objects.filter(item__in=rows, party=GuidelineCitation.Party.MAXIMUS)
        .select_related("link__document")
        .prefetch_related("link__sections__document")
    )
    for citation in citations:
        link = getattr(citation, "link", None)
        if link is None or link.document is None:
            continue  # articles and unresolved sources are no facet value
        documents[link.document.label].add(citation.item_id)
        for section in link.sections.all():
            sections[f"{section.document.label} › {section.label}"].add(citation.item_id)
    out["guideline_document"] = Counter({k: len(v) for k, v in documents.items()})
    out["guideline_section"] = Counter({k: len(v) for k, v in sections.items()})
    return out


def text_of(item: DisputedItem) -> str:
    """Everything a typed word is looked for in, for one decision (request, disputed portion,
    rationale, quotes, the letter's summary, names)."""
    det = item.determination
    names = [det.case_number or "", item.procedure, item.procedure_category, item.body_region, *det.reviewer_specialty]
    for citation in item.citations.filter(party=GuidelineCitation.Party.MAXIMUS, link__document__isnull=False):
        names.append(citation.link.document.label)
        names += [f"{s.document.label} › {s.label}" for s in citation.link.sections.all()]
    quotes = [q.text for q in item.quoted_passages.all()]
    return "\n".join([item.request, item.disputed_portion or "", item.rationale, det.clinical_summary, *quotes, *names])
