"""The 2013-14 DWC letter (layout "2013"): the seed letter in seed/.

    IMR Case Number: CM13-0037426 Date of Injury: 04/26/2012
    UR Denial Date: 10/08/2013 Priority: STANDARD Application Received: ...
    HOW THE IMR FINAL DETERMINATION WAS MADE
    MAXIMUS Federal Services sent the complete case file to a physician reviewer. ... The physician
    reviewer is Board Certified in Orthopedic Surgery and is licensed to practice in California. ...
    CLINICAL CASE SUMMARY
    The expert reviewer developed the following clinical case summary based on a review of the
    case file, including all medical records: ...
    IMR ISSUES, DECISIONS AND RATIONALES
    ... "<request>: Upheld" and the same three labelled paragraphs as in 2016.

The headings, header labels, summary boilerplate and item wording are those of the 2016 letter,
and the 2016 declarations already read the credentials sentence (dwc2016.BOARD_CERTIFIED) after
the credentials block, so this layout is the 2016 one with its own detection and no header
warnings (the seed letter has no header table at all).
"""

from __future__ import annotations

from dataclasses import replace

from . import Layout, LetterText, no_checks
from .dwc2016 import LAYOUT as DWC2016


def detect(layout: Layout, text: LetterText) -> float:
    """0.5 for the reviewer heading alone: any DWC letter has it, so this layout is the one
    chosen only when the 2016 layout (which scores 1 on the same heading plus its header or
    credentials block) does not recognise the letter."""
    return 0.5 if layout.sections(text).reviewer >= 0 else 0.0


LAYOUT = replace(DWC2016, name="2013", detect=detect, checks=no_checks)
