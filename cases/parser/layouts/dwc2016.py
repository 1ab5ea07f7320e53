"""The 2016-17 DWC letter (layout "2016"): the 150 letters in dwc-imr/.

    Case Number: CM16-0219557
    Date Assigned: 11/18/2016 Date of Injury: 10/10/2016
    Decision Date: 12/19/2016 UR Denial Date: 11/09/2016
    Priority: Standard Application Received: 11/14/2016
    HOW THE IMR FINAL DETERMINATION WAS MADE
    ... The Expert Reviewer has the following credentials:
    State(s) of Licensure: Texas,New York,California
    Certification(s)/Specialty: Preventive Medicine, Occupational Medicine
    CLINICAL CASE SUMMARY
    The expert reviewer developed the following clinical case summary based on a review of the
    case file, including all medical records: ...
    IMR ISSUES, DECISIONS AND RATIONALES
    The Final Determination was based on decisions for the disputed items/services set forth below:
    Facet joint injections L4-5, L5-S1: Upheld
    Claims Administrator guideline: Decision based on MTUS Low Back Complaints 2004.
    MAXIMUS guideline: Decision based on MTUS ..., Section(s): ...
    Decision rationale: ...

Detected by the reviewer heading together with the header's "Date Assigned" label or the
"State(s) of Licensure" credentials label. It is also the DEFAULT layout: a letter no layout
recognises is read with these declarations (as "unknown"), and dwc2013.py derives from them.
"""

from __future__ import annotations

import re

from ..items import ItemMarks, PartialWording
from ..result import ParsedLetter
from ..reviewer import CredentialSentence, LabelledCredentials
from . import Heading, Layout, LetterText

_I = re.IGNORECASE

REVIEWER = Heading(
    "HOW THE IMR FINAL DETERMINATION WAS MADE",
    re.compile(r"^HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE\b", _I),
)
SUMMARY = Heading("CLINICAL CASE SUMMARY", re.compile(r"^CLINICAL\s+CASE\s+SUMMARY\b", _I))
ISSUES = Heading(
    "IMR ISSUES, DECISIONS AND RATIONALES",
    re.compile(r"^IMR\s+ISSUES,?\s+DECISIONS,?\s+AND\s+RATIONALES?\b", _I),
    short="IMR ISSUES",
)

# Words any DWC letter carries; without one of them a text is not an IMR letter at all.
MARKERS = re.compile(
    r"Independent\s+Medical\s+Review|IMR\s+ISSUES|MAXIMUS|Claims\s+Administrator\s+guideline|Decision\s+rationale",
    _I,
)

# The header table, row or column order (header.py). The 2013 header has the same labels but no
# "Date Assigned" ("IMR Case Number:" there). Order matters: it is the order labels are tried in.
HEADER_LABELS = {
    "case_number": r"(?:IMR\s+)?Case\s+Number",
    "date_assigned": r"Date\s+Assigned",
    "date_of_injury": r"Date\s+of\s+Injury",
    "decision_date": r"Decision\s+Date",
    "ur_denial_date": r"UR\s+Denial\s+Date",
    "priority": r"Priority",
    "application_received": r"Application\s+Received",
}

# "State(s) of Licensure: Texas,New York,California" / "Certification(s)/Specialty: A, B"
CREDENTIALS_BLOCK = LabelledCredentials(
    licensure=re.compile(r"State\(s\)\s+of\s+Licensure\s*:\s*(.*?)\s*(?=Certification\(s\)|$)", _I | re.DOTALL),
    specialty=re.compile(r"Certification\(s\)\s*/\s*Specialty\s*:\s*(.*?)\s*$", _I | re.DOTALL),
)
# The 2013 wording: "The physician reviewer is Board Certified in Orthopedic Surgery and is
# licensed to practice in California." (sometimes "..., has a subspecialty in X and is licensed
# ..."). Read after the block, so a letter with the 2016 header that still writes the sentence
# keeps its reviewer.
BOARD_CERTIFIED = CredentialSentence(
    pattern=re.compile(
        r"Board\s+Certified\s+in\s+(?P<spec>.+?)\s+and\s+(?:is\s+)?licensed\s+to\s+practice\s+in\s+(?P<states>.+?)\s*\.",
        _I | re.DOTALL,
    ),
    subspecialty=re.compile(r",?\s*(?:has\s+a\s+)?sub-?specialty\s+in\s+", _I),
)

# The two boilerplate lines that open the summary: dropped by their last line, and removed again
# if the extraction joined them to the summary's first line.
SUMMARY_INTRO_END = re.compile(r"including\s+all\s+medical\s+records\s*:\s*$", _I)
SUMMARY_PREAMBLE = re.compile(
    r"^The\s+expert\s+reviewer\s+developed\s+the\s+following\s+clinical\s+case\s+summary\s+based\s+on\s+"
    r"a\s+review\s+of\s+the\s+case\s+file,\s+including\s+all\s+medical\s+records:\s*",
    _I,
)
ISSUES_INTRO = re.compile(
    r"^The\s+Final\s+Determination\s+was\s+based\s+on\s+decisions\s+for\s+the\s+disputed\s+items", _I
)

_ORIGINAL_REQUEST = r"\bwas\s+the\s+original\s+request\b"
PARTIAL = PartialWording(
    mark=re.compile(r"IMR\s+eligible|original\s+request", _I),
    opening=re.compile(_ORIGINAL_REQUEST + r"|\bThe\s+Claims\s+Administrator\s+authorized\b", _I),
    disputed=re.compile(
        r"(?:^|(?<=[.!?]\s))(?:(?:Retrospective\s*:\s*)?The\s+remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original"
        r"\s+request|The\s+original\s+request)\s*,?\s*(?P<portion>.+?)\s*,?(?:\s+is)?\s*$",
        _I | re.DOTALL,
    ),
    was_original=re.compile(_ORIGINAL_REQUEST, _I),
    ends_was_original=re.compile(r"\bwas\s+the\s+original\s+request\s*\.?$", _I),
)
ITEMS = ItemMarks(
    # "<request>: Upheld"; the colon is occasionally lost in extraction ("<request>  Upheld"), which
    # is safe to accept because a decision line must be followed by a guideline/rationale label.
    decision_line=re.compile(r"^(?P<req>.*?)(?:\s*:|\s)\s*(?P<dec>Upheld|Overturned)\s*\.?$", _I),
    decision_alone=re.compile(r"^(?P<dec>Upheld|Overturned)\s*\.?$", _I),
    claims_administrator=re.compile(r"^Claims\s+Administrator\s+guidelines?\s*:\s*", _I),
    maximus=re.compile(r"^MAXIMUS\s+guidelines?\s*:\s*", _I),
    rationale=re.compile(r"^Decision\s+rationale\s*:\s*", _I),
    intro=re.compile(r"The\s+Final\s+Determination\s+was\s+based\s+on\s+decisions", _I),
    partial=PARTIAL,
    shape="'<request>: Upheld|Overturned'",
)

# The label as header.py finds it (no other header token can overlap it).
_DATE_ASSIGNED_LABEL = re.compile(rf"\b{HEADER_LABELS['date_assigned']}\s*:", _I)
_LICENSURE_LABEL = re.compile(r"State\(s\)\s+of\s+Licensure\s*:", _I)


def detect(layout: Layout, text: LetterText) -> float:
    """1 for the reviewer heading plus "Date Assigned" in the header or the credentials block."""
    sections = layout.sections(text)
    if sections.reviewer < 0:
        return 0.0
    if _DATE_ASSIGNED_LABEL.search(text.flat(0, sections.first)) or _LICENSURE_LABEL.search(text.text):
        return 1.0
    return 0.0


def checks(letter: ParsedLetter) -> list[str]:
    """Every 2016 letter's header has a case number, a decision date and a priority."""
    warnings = [
        f"{label} not found in the header block"
        for name, label in (("case_number", "case number"), ("decision_date", "decision date"))
        if getattr(letter, name) is None
    ]
    if letter.priority is None:
        warnings.append("priority not found in the header block")
    return warnings


LAYOUT = Layout(
    name="2016",
    detect=detect,
    markers=MARKERS,
    reviewer=REVIEWER,
    summary=SUMMARY,
    issues=ISSUES,
    header_labels=HEADER_LABELS,
    credentials=(CREDENTIALS_BLOCK, BOARD_CERTIFIED),
    summary_intro_end=SUMMARY_INTRO_END,
    summary_preamble=SUMMARY_PREAMBLE,
    issues_intro=ISSUES_INTRO,
    items=ITEMS,
    checks=checks,
)
