"""Test helpers: store a parsed letter as rows (as the ingest does) and build documents by hand."""
from __future__ import annotations

from cases.models import Determination, DisputedItem, GuidelineCitation
from cases.parser import parse_text
from cases.signals import determination_written


def store_letter(text: str, source_name: str = "letter.txt", send: bool = True) -> Determination:
    """Parse `text` and write Determination/DisputedItem/GuidelineCitation rows from it, then send
    determination_written (so the guidelines receiver links it), like cases.ingest does."""
    parsed = parse_text(text, source_name=source_name)
    assert not parsed.errors, parsed.errors
    det = Determination.objects.create(
        case_number=parsed.case_number, date_assigned=parsed.date_assigned, date_of_injury=parsed.date_of_injury,
        decision_date=parsed.decision_date, ur_denial_date=parsed.ur_denial_date,
        application_received=parsed.application_received, priority=parsed.priority or "",
        reviewer_licensure=parsed.reviewer.licensure, reviewer_specialty=parsed.reviewer.specialty,
        patient_age=parsed.patient.age, patient_sex=parsed.patient.sex or "",
        clinical_summary=parsed.clinical_summary, layout=parsed.layout, source_name=source_name,
        sha256="0" * 64, raw_text=text, parse_warnings=parsed.warnings,
        parse_status=Determination.ParseStatus.WARNINGS if parsed.warnings else Determination.ParseStatus.OK,
    )
    for n, item in enumerate(parsed.items):
        row = DisputedItem.objects.create(
            determination=det, order=n, request=item.request, disputed_portion=item.disputed_portion,
            decision=item.decision or "", rationale=item.rationale,
        )
        for party, cits in (("claims_administrator", item.claims_administrator), ("maximus", item.maximus)):
            GuidelineCitation.objects.bulk_create([
                GuidelineCitation(item=row, party=party, order=k, kind=c.kind, document=c.document, year=c.year,
                                  sections=list(c.sections), pages=c.pages, clause=c.clause)
                for k, c in enumerate(cits)
            ])
    if send:
        determination_written.send(sender=Determination, determination_id=det.id)
    return det
