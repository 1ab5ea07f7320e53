"""One test per letter variant the parser must handle, on small excerpts modelled on the real
letters, and where a real letter has the variant, on that letter too."""

from __future__ import annotations

from datetime import date

import pytest

from cases.parser import parse_file, parse_text
from cases.parser.citations import parse_guideline, split_sections

from .helpers import item, letter


def only_item(text: str):
    parsed = parse_text(text)
    assert parsed.errors == []
    assert len(parsed.items) == 1, [i.request for i in parsed.items]
    return parsed.items[0]


# --- header, reviewer, patient ------------------------------------------------------------


def test_header_fields_and_reviewer_lists():
    parsed = parse_text(letter(item("Facet joint injections L4-5, L5-S1:  Upheld")))
    assert parsed.case_number == "CM16-0999999"
    assert parsed.date_assigned == date(2016, 11, 18)
    assert parsed.date_of_injury == date(2016, 10, 10)
    assert parsed.decision_date == date(2016, 12, 19)
    assert parsed.ur_denial_date == date(2016, 11, 9)
    assert parsed.application_received == date(2016, 11, 14)
    assert parsed.priority == "Standard"
    assert parsed.layout == "2016"
    assert parsed.reviewer.licensure == ["Texas", "New York", "California"]
    assert parsed.reviewer.specialty == ["Preventive Medicine", "Occupational Medicine"]


def test_expedited_priority_and_missing_dates():
    text = letter(item("MRI of the lumbar spine: Overturned"))
    text = text.replace("Priority:  Standard", "Priority:  Expedited").replace(
        "UR Denial Date:  11/09/2016", "UR Denial Date:  "
    )
    parsed = parse_text(text)
    assert parsed.priority == "Expedited"
    assert parsed.ur_denial_date is None
    assert parsed.application_received == date(2016, 11, 14)


@pytest.mark.parametrize(
    "sentence, age, sex",
    [
        ("The applicant is a 34-year-old male who has filed a claim.", 34, "male"),
        ("The patient is a 56 year old female who reported an injury.", 56, "female"),
        ("This is a 45 year-old man with a date of injury on 10-20-2016.", 45, "male"),
        ("The injured worker is a 61 year old right-handed woman.", 61, "female"),
        ("This case involves a now 46-year-old male with a history of a claim.", 46, "male"),
        ("This 52-year-old gentleman sustained an injury.", 52, "male"),
    ],
)
def test_patient_age_and_sex(sentence, age, sex):
    parsed = parse_text(letter(item("MRI: Upheld"), summary=sentence))
    assert (parsed.patient.age, parsed.patient.sex) == (age, sex)


def test_patient_sentence_not_at_start_of_summary():
    summary = (
        "According to the progress note dated 10-30-2016, the pain was fairly well controlled. The \n"
        "injured worker is a 39 year old woman who slipped at work."
    )
    parsed = parse_text(letter(item("MRI: Upheld"), summary=summary))
    assert (parsed.patient.age, parsed.patient.sex) == (39, "female")
    assert parsed.clinical_summary.startswith("According to the progress note")


# --- request and decision -----------------------------------------------------------------


def test_decision_alone_on_next_line():
    it = only_item(
        letter(
            item("Additional physical therapy two times four visits (8) for the lumbar and bilateral knees: \nUpheld")
        )
    )
    assert it.request == "Additional physical therapy two times four visits (8) for the lumbar and bilateral knees"
    assert it.decision == "Upheld"
    assert it.disputed_portion is None


def test_request_spanning_lines_after_previous_rationale():
    text = letter(
        item("Lidoderm 5% patch #1: Upheld", rationale="As such, the request is not medically \nnecessary.")
        + item(
            "Twelve sessions of physical therapy for the right shoulder, right wrist and right hand, three \n"
            "times a week for four weeks: Overturned"
        )
    )
    parsed = parse_text(text)
    assert [i.request for i in parsed.items] == [
        "Lidoderm 5% patch #1",
        "Twelve sessions of physical therapy for the right shoulder, right wrist and right hand, three times a week "
        "for four weeks",
    ]
    assert parsed.items[0].rationale == "As such, the request is not medically necessary."
    assert [i.decision for i in parsed.items] == ["Upheld", "Overturned"]


def test_request_continuation_after_line_ending_in_colon():
    # the previous line ends with "DOS:" - not the end of the preceding rationale
    it = only_item(
        letter(
            item(
                "Lidoderm patch, 12 hours on 12 hours off to affected area, #1 box with 1 refill, DOS: \n11/11/2016:  Upheld"
            )
        )
    )
    assert (
        it.request == "Lidoderm patch, 12 hours on 12 hours off to affected area, #1 box with 1 refill, DOS: 11/11/2016"
    )


def test_colon_inside_request():
    it = only_item(letter(item("NCV bilateral lower extremities QTY: 2: Upheld")))
    assert it.request == "NCV bilateral lower extremities QTY: 2"
    it = only_item(letter(item("Oxycodone HCL ER 20mg #60 day supply: 30:  Overturned")))
    assert it.request == "Oxycodone HCL ER 20mg #60 day supply: 30"
    assert it.decision == "Overturned"


def test_colon_inside_request_real_letter(dwc_txt_dir):
    parsed = parse_file(dwc_txt_dir / "CM16-0239110.txt")
    assert parsed.items[0].request == "Oxycodone HCL ER 20mg #60 day supply: 30"
    labs = parse_file(dwc_txt_dir / "CM16-0238035.txt")
    assert "Labs to include: EKG" in [i.request for i in labs.items]


# --- partly authorised requests -----------------------------------------------------------

PARTIAL_A = (
    "Physical therapy to the low back eight sessions was the original request. Physical therapy to \n"
    "the low back six sessions was authorized by the Claims Administrator. The remaining IMR \n"
    "eligible portion of the original request, Physical therapy to the low back two sessions is: \n"
    "Upheld"
)
PARTIAL_B = (
    "Acute inpatient rehabilitation physical therapy and occupational therapy 7-10 days for left \n"
    "foot fracture was the original request. The Claims Administrator authorized Skilled \n"
    "nursing facility for 7 days with PT/OT once a day for left foot fracture, leaving the original \n"
    " \n"
    "request IMR eligible. The original request, Acute inpatient rehabilitation physical therapy \n"
    "and occupational therapy 7-10 days for left foot fracture is: Overturned"
)


def test_partial_remaining_portion():
    text = letter(
        item(
            "Flexeril 10mg #60: Upheld",
            rationale="Given the above, the request for Flexeril 10mg #60 is \nnot medically necessary.",
        )
        + item(PARTIAL_A)
    )
    parsed = parse_text(text)
    assert len(parsed.items) == 2
    it = parsed.items[1]
    assert it.request == (
        "Physical therapy to the low back eight sessions was the original request. Physical therapy to the low back "
        "six sessions was authorized by the Claims Administrator. The remaining IMR eligible portion of the original "
        "request, Physical therapy to the low back two sessions is"
    )
    assert it.disputed_portion == "Physical therapy to the low back two sessions"
    assert it.decision == "Upheld"
    assert parsed.items[0].disputed_portion is None


def test_partial_leaving_original_request_eligible_across_page_break():
    it = only_item(letter(item(PARTIAL_B)))
    assert it.request.startswith("Acute inpatient rehabilitation physical therapy and occupational therapy 7-10 days")
    assert "leaving the original request IMR eligible." in it.request
    assert it.disputed_portion == (
        "Acute inpatient rehabilitation physical therapy and occupational therapy 7-10 days for left foot fracture"
    )
    assert it.decision == "Overturned"


def test_partial_with_retrospective_prefix_and_sentence_ending_lines():
    block = (
        "Retrospective: Cyclobenzaprine 7.5mg #60, per 12/07/2016 order was the original request. \n"
        "Retrospective Cyclobenzaprine 7.5mg #42, per 12/07/2016 order was authorized by the \n"
        "Claims Administrator. The remaining IMR eligible portion of the original request, \n"
        "Retrospective Cyclobenzaprine 7.5mg #18, per 12/07/2016 order is:  Upheld"
    )
    it = only_item(letter(item(block)))
    assert it.request.startswith("Retrospective: Cyclobenzaprine 7.5mg #60")
    assert it.disputed_portion == "Retrospective Cyclobenzaprine 7.5mg #18, per 12/07/2016 order"


def test_partial_without_is():
    block = (
        "Eight physical therapy sessions for the lumbar was the original request. Six physical \n"
        "therapy sessions for the lumbar was authorized by the Claims Administrator. The \n"
        "remaining IMR eligible portion of the original request, Two physical therapy sessions for \n"
        "the lumbar: Upheld"
    )
    it = only_item(letter(item(block)))
    assert it.disputed_portion == "Two physical therapy sessions for the lumbar"


def test_partial_real_letters(dwc_txt_dir):
    a = parse_file(dwc_txt_dir / "CM16-0230651.txt")
    assert [i.disputed_portion for i in a.items if i.disputed_portion] == [
        "Physical therapy to the low back two sessions"
    ]
    b = parse_file(dwc_txt_dir / "CM16-0249724.txt")
    assert "purchase of a bath/shower chair" in [i.disputed_portion for i in b.items]


# --- citations ------------------------------------------------------------------------------


def cites(text: str):
    citations, _ = parse_guideline(text)
    return [c.to_dict() for c in citations]


def mtus(document, year, sections=(), pages=None):
    return {"kind": "MTUS", "document": document, "year": year, "sections": list(sections), "pages": pages}


def test_several_mtus_documents_in_one_clause():
    text = (
        "Decision based on MTUS Low Back Complaints 2004, Section(s): \nSummary, and Chronic Pain Medical "
        "Treatment 2016, Section(s): Facet blocks.  Decision based \non Non-MTUS Citation ACOEM Occupational "
        "Medicine Practice Guidelines, 3rd ed., Low Back \nDisorders, pg. 607."
    )
    assert cites(text) == [
        mtus("Low Back Complaints", 2004, ["Summary"]),
        mtus("Chronic Pain Medical Treatment", 2016, ["Facet blocks"]),
        {
            "kind": "NON_MTUS",
            "document": "ACOEM Occupational Medicine Practice Guidelines, 3rd ed., Low Back Disorders, pg. 607",
            "year": None,
            "sections": [],
            "pages": "607",
        },
    ]


def test_titles_containing_and_are_not_split():
    text = (
        "Decision based on MTUS Shoulder Complaints 2004, Section(s): Initial Care, and Elbow Complaints 2007, "
        "and Forearm, Wrist, and Hand Complaints 2004."
    )
    assert cites(text) == [
        mtus("Shoulder Complaints", 2004, ["Initial Care"]),
        mtus("Elbow Complaints", 2007),
        mtus("Forearm, Wrist, and Hand Complaints", 2004),
    ]
    assert cites("Decision based on MTUS Neck and Upper Back Complaints 2004, Section(s): Special Studies.") == [
        mtus("Neck and Upper Back Complaints", 2004, ["Special Studies"])
    ]


def test_trailing_guidelines_word_dropped_from_document():
    text = "Decision based on MTUS Chronic Pain Medical Treatment 2016 Guidelines, Section(s): Topical analgesics."
    assert cites(text) == [mtus("Chronic Pain Medical Treatment", 2016, ["Topical analgesics"])]


@pytest.mark.parametrize(
    "title",
    [
        "Low Back Complaints",
        "Chronic Pain Medical Treatment",
        "Opioid Treatment",
        "Neck and Upper Back Complaints",
        "Acupuncture Treatment",
        "Forearm, Wrist, and Hand Complaints",
        "Postsurgical Treatment",
        "Ankle and Foot Complaints",
    ],
)
def test_mtus_document_naming(title):
    assert cites(f"Decision based on MTUS {title} 2004.") == [mtus(title, 2004)]


def test_section_titles_with_commas_beside_genuine_lists():
    assert split_sections("TENS, chronic pain (transcutaneous electrical nerve stimulation)") == [
        "TENS, chronic pain (transcutaneous electrical nerve stimulation)"
    ]
    assert split_sections("NSAIDs, GI symptoms & cardiovascular risk, Proton Pump Inhibitors (PPIs)") == [
        "NSAIDs, GI symptoms & cardiovascular risk",
        "Proton Pump Inhibitors (PPIs)",
    ]
    assert split_sections("Forearm, Wrist, & Hand") == ["Forearm, Wrist, & Hand"]
    assert split_sections("Diagnostic Criteria, Special Studies, Summary") == [
        "Diagnostic Criteria",
        "Special Studies",
        "Summary",
    ]
    assert split_sections(
        "Naproxen (Naprosyn, EC-Naprosyn, Anaprox DS [otc], Naprelan), NSAIDs (non-steroidal anti-inflammatory drugs)"
    ) == [
        "Naproxen (Naprosyn, EC-Naprosyn, Anaprox DS [otc], Naprelan)",
        "NSAIDs (non-steroidal anti-inflammatory drugs)",
    ]


def test_unknown_comma_title_with_lowercase_tail_stays_whole():
    # not in known_sections.txt: a lower-case piece continues the previous title
    assert split_sections("Opioids, on-going management, Office visits") == [
        "Opioids, on-going management",
        "Office visits",
    ]


def test_sections_joined_by_and():
    assert split_sections("Special Studies and Diagnostic Criteria") == ["Special Studies", "Diagnostic Criteria"]
    assert split_sections("Cornerstones of Disability Prevention and Management") == [
        "Cornerstones of Disability Prevention and Management"
    ]
    assert split_sections("Initial Care, and Physical Methods") == ["Initial Care", "Physical Methods"]


def test_numbered_opioid_sections_split_only_before_numbers():
    text = (
        "3.3.1.1 Opioids for Chronic Pain and Chronic Opioid Treatment: Screening for Risk of Addiction or "
        "Adverse Events, Prior to Chronic Opioid Treatment: Screening for Drug Misuse/Abuse, 3.3.9 Opioids for "
        "Chronic Pain and Chronic Opioid Treatment: Maintenance of Chronic Opioid Treatment"
    )
    assert split_sections(text) == [
        "3.3.1.1 Opioids for Chronic Pain and Chronic Opioid Treatment: Screening for Risk of Addiction or Adverse "
        "Events, Prior to Chronic Opioid Treatment: Screening for Drug Misuse/Abuse",
        "3.3.9 Opioids for Chronic Pain and Chronic Opioid Treatment: Maintenance of Chronic Opioid Treatment",
    ]


def test_sections_joined_across_line_breaks_in_a_letter():
    it = only_item(
        letter(
            item(
                "TENS unit: Upheld",
                maximus="Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): TENS, \n"
                "chronic pain (transcutaneous electrical nerve stimulation).",
            )
        )
    )
    assert it.maximus[0].sections == ["TENS, chronic pain (transcutaneous electrical nerve stimulation)"]


@pytest.mark.parametrize(
    "text, document, pages",
    [
        (
            "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Low Back.",
            "Official Disability Guidelines (ODG), Low Back",
            None,
        ),
        (
            "Decision based on Non-MTUS Official Disability Guidelines (ODG) Pain Chapter, page 137.",
            "Official Disability Guidelines (ODG) Pain Chapter, page 137",
            "137",
        ),
        (
            "Decision based on Non-MTUS Citation Harris J. Occupational medicine practice guidelines, pg. 64.",
            "Harris J. Occupational medicine practice guidelines, pg. 64",
            "64",
        ),
        (
            "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Forearm, Wrist and Hand "
            "Chapter (updated 11/23/16) Electrodiagnostic studies (EDS).",
            "Official Disability Guidelines (ODG) Forearm, Wrist and Hand Chapter (updated 11/23/16) Electrodiagnostic "
            "studies (EDS)",
            None,
        ),
        (
            "Decision based on Non-MTUS Citation http://www.drugs.com/famotidine.html.",
            "http://www.drugs.com/famotidine.html",
            None,
        ),
    ],
)
def test_non_mtus_citation(text, document, pages):
    assert cites(text) == [{"kind": "NON_MTUS", "document": document, "year": None, "sections": [], "pages": pages}]


def test_non_mtus_url_wrapped_with_hyphen():
    it = only_item(
        letter(
            item(
                "Acute inpatient rehabilitation: Overturned",
                maximus="The Expert Reviewer based their decision on recommendation(s) outside \nof the MTUS Guidelines. "
                "Decision based on Non-MTUS Citation \nhttp://www.slideshare.net/julenemcalister/differences-between-"
                "inpatient-rehabilitation-skilled-\nnursing-care, https://medicalinsider.holy-cross.com/acute-"
                "inpatient-rehabilitation-versus-skilled-\nnursing-facility-rehabilitation.",
            )
        )
    )
    assert [c.document for c in it.maximus] == [
        "http://www.slideshare.net/julenemcalister/differences-between-inpatient-rehabilitation-skilled-nursing-care, "
        "https://medicalinsider.holy-cross.com/acute-inpatient-rehabilitation-versus-skilled-nursing-facility-rehabilitation"
    ]


def test_no_medical_evidence_cited_for_either_party():
    it = only_item(
        letter(
            item(
                "X-rays of the head: Upheld",
                ca="The Claims Administrator did not cite any medical evidence \nfor its decision.",
                maximus="The Expert Reviewer did not cite any medical evidence for its decision.",
            )
        )
    )
    none = {"kind": "NONE", "document": None, "year": None, "sections": [], "pages": None}
    assert [c.to_dict() for c in it.claims_administrator] == [none]
    assert [c.to_dict() for c in it.maximus] == [none]


def test_outside_mtus_preamble_is_not_a_citation():
    text = (
        "The Expert Reviewer based their decision on recommendation(s) outside of the MTUS Guidelines. "
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Head, X-Rays."
    )
    assert [c["kind"] for c in cites(text)] == ["NON_MTUS"]
    citations, warnings = parse_guideline(
        "The Expert Reviewer based their decision on recommendation(s) outside of the MTUS Guidelines."
    )
    assert citations == [] and warnings


def test_old_layout_did_not_base_on_mtus():
    text = (
        "The Claims Administrator did not base their decision on the MTUS.  Decision based on Non-MTUS "
        "Citation ODG Low Back Disorders"
    )
    assert cites(text) == [
        {"kind": "NON_MTUS", "document": "ODG Low Back Disorders", "year": None, "sections": [], "pages": None}
    ]


def test_citation_clause_is_text_as_written():
    citations, _ = parse_guideline("Decision based on Non-MTUS Citation Official   Disability\nGuidelines (ODG).")
    assert citations[0].clause == "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG)."


# --- rationale, hyphens, page residue -----------------------------------------------------


def test_rationale_runs_to_next_item_and_repairs_hyphen_wraps():
    text = letter(
        item(
            "EMG of the bilateral upper extremities: Upheld",
            rationale="The California MTUS 2016 Chronic Pain Guidelines state, electro- \nmyography and nerve "
            "conduction studies are separate studies. Electro- \ndiagnostic testing was non- \ncertified. "
            "The request is not medically \nnecessary.",
        )
        + item("NCV of the bilateral upper extremities: Upheld", rationale="Not medically necessary.")
    )
    parsed = parse_text(text)
    assert parsed.items[0].rationale == (
        "The California MTUS 2016 Chronic Pain Guidelines state, electromyography and nerve conduction studies are "
        "separate studies. Electrodiagnostic testing was non-certified. The request is not medically necessary."
    )
    assert parsed.items[1].rationale == "Not medically necessary."


def test_page_break_residue_removed_from_rationale():
    text = (
        letter(
            item(
                "MRI of the lumbar spine: Upheld",
                rationale="There is no documentation of red flags and the \n \n \nPage 2 of 3 \n \nrequest is not medically "
                "necessary. The request for the \n2 \n \nMRI is not supported.",
            )
        )
        + "\n \nCM16-0999999 \n"
    )
    it = only_item(text)
    assert it.rationale == (
        "There is no documentation of red flags and the request is not medically necessary. "
        "The request for the MRI is not supported."
    )


def test_rationale_paragraphs():
    text = letter(
        item(
            "Arc sling: Upheld",
            rationale="The California MTUS and ACOEM Guidelines do not address an arc sling. \n"
            "The Official Disability Guidelines indicate that a postoperative abduction pillow sling is \n"
            "recommended as an option following open repair of large and massive rotator cuff tears. As such, \n"
            "the request is not medically necessary.",
        )
    )
    it = only_item(text)
    assert it.rationale.split("\n\n") == [
        "The California MTUS and ACOEM Guidelines do not address an arc sling.",
        "The Official Disability Guidelines indicate that a postoperative abduction pillow sling is recommended as an "
        "option following open repair of large and massive rotator cuff tears. As such, the request is not "
        "medically necessary.",
    ]


def test_hyphen_wrap_in_real_letter(dwc_txt_dir):
    parsed = parse_file(dwc_txt_dir / "CM16-0240259.txt")
    assert "Electrodiagnostic testing" in parsed.clinical_summary
    assert "Electro- diagnostic" not in parsed.clinical_summary


# --- the 2013 layout ------------------------------------------------------------------------


def test_seed_letter_2013_layout(seed_letter_path):
    parsed = parse_file(seed_letter_path)
    assert parsed.errors == []
    assert parsed.layout == "2013"
    assert parsed.case_number is None
    assert parsed.reviewer.specialty == ["Orthopedic Surgery"]
    assert parsed.reviewer.licensure == ["California"]
    assert (parsed.patient.age, parsed.patient.sex) == (56, "female")
    [it] = parsed.items
    assert it.request == "Request for left lumbar medial branch blocks (no levels provided)"
    assert it.decision == "Upheld"
    assert [c.document for c in it.claims_administrator] == ["ODG Low Back Disorders"]
    assert [c.document for c in it.maximus] == ["Official Disability Guidelines (ODG) Low back chapter"]
    assert it.rationale.startswith("The current request is not supported.")
    assert it.rationale.endswith("is not medically necessary or appropriate.")


def test_header_in_column_order():
    """Some extractors read the header table column by column: values after all the labels."""
    text = letter(item("MRI: Upheld"))
    column_header = (
        "Case Number: \nDate Assigned: \nDecision Date: \nPriority:  \n\nCM16-0999999 \n11/18/2016 \n"
        "12/19/2016 \nStandard \n\nDate of Injury:  \n10/10/2016 \nUR Denial Date:   11/09/2016 \n"
        "Application Received:  \n11/14/2016 \n"
    )
    text = column_header + text[text.index("HOW THE IMR") :]
    parsed = parse_text(text)
    assert parsed.case_number == "CM16-0999999"
    assert parsed.date_assigned == date(2016, 11, 18)
    assert parsed.decision_date == date(2016, 12, 19)
    assert parsed.priority == "Standard"
    assert parsed.date_of_injury == date(2016, 10, 10)
    assert parsed.ur_denial_date == date(2016, 11, 9)
    assert parsed.application_received == date(2016, 11, 14)


def test_blank_header_field_does_not_steal_the_next_value():
    text = letter(item("MRI: Upheld")).replace("Date of Injury:  10/10/2016", "Date of Injury:  ")
    parsed = parse_text(text)
    assert parsed.date_of_injury is None
    assert parsed.decision_date == date(2016, 12, 19)


def test_patient_sex_missing_leaves_none():
    parsed = parse_text(letter(item("MRI: Upheld"), summary="The injured worker is 61 years old and has back pain."))
    assert (parsed.patient.age, parsed.patient.sex) == (61, None)
    assert any("sex not found" in w for w in parsed.warnings)


@pytest.mark.parametrize(
    "sentence, specialty, licensure",
    [
        (
            "The physician reviewer is Board Certified in Orthopedic Surgery and is licensed to practice in California.",
            ["Orthopedic Surgery"],
            ["California"],
        ),
        (
            "The physician reviewer is Board Certified in Anesthesiology, has a subspecialty in Pain Medicine and is "
            "licensed to practice in Texas.",
            ["Anesthesiology", "Pain Medicine"],
            ["Texas"],
        ),
        (
            "The expert reviewer is Board Certified in Family Practice and is licensed to practice in California and "
            "Ohio.",
            ["Family Practice"],
            ["California", "Ohio"],
        ),
    ],
)
def test_2013_reviewer_sentence(sentence, specialty, licensure, seed_letter_path):
    seed = seed_letter_path.read_text()
    old = (
        "The physician \n\nreviewer is Board Certified in Orthopedic Surgery and is licensed to practice in "
        "California. "
    )
    assert old in seed
    parsed = parse_text(seed.replace(old, sentence + " "))
    assert parsed.layout == "2013"
    assert parsed.reviewer.specialty == specialty
    assert parsed.reviewer.licensure == licensure


def test_2013_header_with_cover_letter_date():
    """A date before the header labels (the cover letter's "Dated:") is not a header value."""
    from cases.parser.header import parse_header

    header = parse_header(
        "Dated: 12/30/2013 IMR Case Number: CM13-0037426 Date of Injury: 04/26/2012 "
        "UR Denial Date: 10/08/2013 Priority: STANDARD Application Received:"
    )
    assert header["case_number"] == "CM13-0037426"
    assert header["date_of_injury"] == date(2012, 4, 26)
    assert header["ur_denial_date"] == date(2013, 10, 8)
    assert header["priority"] == "Standard"
    assert header["application_received"] is None


@pytest.mark.parametrize(
    "lines, joined",
    [
        (["Electro-", "diagnostic testing"], "Electrodiagnostic testing"),
        (
            ["California MTUS Chronic Pain Medical Treatment Guide-", "lines"],
            "California MTUS Chronic Pain Medical Treatment Guidelines",
        ),
        (["The documen-", "tation indicates"], "The documentation indicates"),
        (["was non-", "certified"], "was non-certified"),
        (["a follow-", "up visit"], "a follow-up visit"),
        (["lumbar x-", "rays"], "lumbar x-rays"),
        (["self-", "directed home PT"], "self-directed home PT"),
        (["dated 10-30-", "2016, the"], "dated 10-30-2016, the"),
        (
            ["https://www.cms.gov/Regulations-and-", "Guidance/Guidance/R148CIM.pdf"],
            "https://www.cms.gov/Regulations-and-Guidance/Guidance/R148CIM.pdf",
        ),
        (["range-of-", "motion"], "range-of-motion"),
        (["Shoulder --", "Magnetic resonance imaging"], "Shoulder -- Magnetic resonance imaging"),
    ],
)
def test_line_wrap_hyphens(lines, joined):
    from cases.parser.clean import join_lines

    assert join_lines(lines) == joined


def test_partial_with_original_request_sentence_on_its_own_line():
    block = (
        "Purchase of a bath/shower chair was the original request. \n"
        "The Claims Administrator authorized a bath/shower chair for 1 month, leaving the original \n"
        "request IMR eligible. The original request, purchase of a bath/shower chair is: Upheld"
    )
    text = letter(item("Walker: Upheld", rationale="The request is not \nmedically necessary.") + item(block))
    parsed = parse_text(text)
    assert [i.request for i in parsed.items] == [
        "Walker",
        "Purchase of a bath/shower chair was the original request. The Claims Administrator authorized a "
        "bath/shower chair for 1 month, leaving the original request IMR eligible. The original request, purchase "
        "of a bath/shower chair is",
    ]
    assert parsed.items[1].disputed_portion == "purchase of a bath/shower chair"
    assert parsed.items[0].rationale == "The request is not medically necessary."


def test_partial_without_original_request_sentence():
    block = (
        "The Claims Administrator authorized Norco 10/325mg #30, leaving the original request IMR \n"
        "eligible. The original request, Norco 10/325mg #90 is: Overturned"
    )
    text = letter(item("Walker: Upheld", rationale="The request is not medically necessary.") + item(block))
    parsed = parse_text(text)
    assert parsed.items[1].request.startswith("The Claims Administrator authorized Norco")
    assert parsed.items[1].disputed_portion == "Norco 10/325mg #90"
    assert parsed.items[0].rationale == "The request is not medically necessary."


def test_citation_variants_in_real_letters(dwc_txt_dir):
    """The citation variants, each checked on a real letter that has it."""

    def maximus(case, index=0):
        return [c.to_dict() for c in parse_file(dwc_txt_dir / f"{case}.txt").items[index].maximus]

    def claims(case, index=0):
        return [c.to_dict() for c in parse_file(dwc_txt_dir / f"{case}.txt").items[index].claims_administrator]

    # several MTUS documents in one clause, then a Non-MTUS clause with "pg."
    assert [(c["kind"], c["document"], c["year"], c["pages"]) for c in maximus("CM16-0219557")] == [
        ("MTUS", "Low Back Complaints", 2004, None),
        ("MTUS", "Chronic Pain Medical Treatment", 2016, None),
        (
            "NON_MTUS",
            "ACOEM Occupational Medicine Practice Guidelines, 3rd ed., Low Back Disorders, pg. 607",
            None,
            "607",
        ),
    ]
    # comma-bearing section titles beside a genuine list
    assert maximus("CM17-0005344", 3)[0]["sections"] == [
        "TENS, chronic pain (transcutaneous electrical nerve stimulation)"
    ]
    assert claims("CM16-0228949")[1] == mtus("Postsurgical Treatment", 2009, ["Forearm, Wrist, & Hand"])
    assert maximus("CM16-0240259")[1] == mtus(
        "Forearm, Wrist, and Hand Complaints", 2004, ["Special Studies", "Summary"]
    )
    # NONE for both parties
    none = {"kind": "NONE", "document": None, "year": None, "sections": [], "pages": None}
    assert claims("CM16-0238035", 1) == [none] and maximus("CM16-0238035", 1) == [none]
    # URL citation with a wrapped hyphen, after the "outside of the MTUS" preamble
    [url] = maximus("CM16-0229336")
    assert url["document"].startswith(
        "http://www.slideshare.net/julenemcalister/differences-between-inpatient-"
        "rehabilitation-skilled-nursing-care, https://"
    )


def test_decision_without_colon_and_in_capitals():
    it = only_item(letter(item("MRI of the lumbar spine  UPHELD")))
    assert (it.request, it.decision) == ("MRI of the lumbar spine", "Upheld")


# --- audit of unseen-letter variants (synthetic edits of real letters) ----------------------


def _real(dwc_txt_dir, case: str) -> str:
    return (dwc_txt_dir / f"{case}.txt").read_text(encoding="utf-8")


def test_sex_from_pronouns_when_no_sex_word():
    for summary, sex in [
        ("This 62 year old sustained an injury on 10-1-2016. He reports back pain and his pain is 7/10.", "male"),
        ("Records indicate the claimant, age 44, injured her back. She has pain.", "female"),
        ("The patient is a 62 y/o who fell. He/she was seen by the provider.", None),
        ("The patient is a 62 y/o who fell. She saw the surgeon in his office.", None),
    ]:
        parsed = parse_text(letter(item("MRI: Upheld"), summary=summary))
        assert parsed.patient.sex == sex, summary
        assert parsed.patient.age in (62, 44)


def test_licensure_list_joined_by_and():
    text = letter(item("MRI: Upheld")).replace("Texas,New York,California", "California, Texas and Florida")
    assert parse_text(text).reviewer.licensure == ["California", "Texas", "Florida"]


def test_single_state_of_licensure_real_letter(dwc_txt_dir):
    text = _real(dwc_txt_dir, "CM16-0231745").replace("State(s) of Licensure: New York", "State(s) of Licensure: Ohio")
    parsed = parse_text(text)
    assert parsed.reviewer.licensure == ["Ohio"]
    assert parsed.reviewer.specialty == ["Physical Medicine & Rehabilitation"]


@pytest.mark.parametrize(
    "text, sections",
    [
        (
            "Pain, Suffering, and the Restoration of Function, Opioids, long-term assessment",
            ["Pain, Suffering, and the Restoration of Function", "Opioids, long-term assessment"],
        ),
        ("Forearm, Wrist & Hand", ["Forearm, Wrist & Hand"]),
        (
            "Screening for Risk of Addiction or Adverse Events, Prior to Chronic Opioid Treatment",
            ["Screening for Risk of Addiction or Adverse Events, Prior to Chronic Opioid Treatment"],
        ),
    ],
)
def test_catalog_comma_section_titles_kept_whole(text, sections):
    assert split_sections(text) == sections


def test_expedited_priority_real_letter(dwc_txt_dir):
    text = _real(dwc_txt_dir, "CM16-0235724").replace("Priority:  Standard", "Priority:  Expedited")
    parsed = parse_text(text)
    assert parsed.priority == "Expedited"
    assert parsed.case_number == "CM16-0235724"


def test_age_and_sex_wordings_in_real_letter(dwc_txt_dir):
    text = _real(dwc_txt_dir, "CM16-0235724")
    original = "The injured worker is a 33 year old female"
    assert original in text
    for sentence, age, sex in [
        ("The injured worker is a 62 year old male", 62, "male"),
        ("The injured worker is a 50-year-old female", 50, "female"),
        (
            "Records dated 11-2-16 were reviewed. Per the notes, the injured worker is a 47-year-old \nwoman",
            47,
            "female",
        ),
    ]:
        parsed = parse_text(text.replace(original, sentence))
        assert (parsed.patient.age, parsed.patient.sex) == (age, sex), sentence


def test_six_items_across_page_breaks_real_letter(dwc_txt_dir):
    # CM16-0231745 has 5 items; add a sixth and page-break residue inside rationales and requests
    text = _real(dwc_txt_dir, "CM16-0231745")
    parsed = parse_text(text)
    assert len(parsed.items) == 5
    last = parsed.items[-1]
    extra = (
        "\n \nHot and cold packs for the cervical spine and the lumbar spine, two times a week for \n"
        "\n \nPage 5 of 6 \n \nCM16-0231745 \n \nfour weeks: Overturned \n \n"
        "Claims Administrator guideline: The Claims Administrator did not cite any medical evidence \n"
        "for its decision. \n \nMAXIMUS guideline: Decision based on MTUS Low Back Complaints 2004, "
        "Section(s): \nPhysical Methods. \n \nDecision rationale: The ACOEM Guidelines support at-home local \n"
        "\n \nPage 6 of 6 \n \napplications of heat or cold. The request is medically necessary. \n"
    )
    broken = text.replace(
        "As such, the request is not medically necessary.",
        "As such, the request is not \n \nPage 2 of 6 \n \nmedically necessary.",
        1,
    )
    parsed = parse_text(broken + extra)
    assert parsed.errors == []
    assert len(parsed.items) == 6
    assert parsed.items[0].rationale.endswith("As such, the request is not medically necessary.")
    assert parsed.items[4].request == last.request and parsed.items[4].rationale == last.rationale
    six = parsed.items[5]
    assert six.request == (
        "Hot and cold packs for the cervical spine and the lumbar spine, two times a week for four weeks"
    )
    assert six.decision == "Overturned"
    assert [c.kind for c in six.claims_administrator] == ["NONE"]
    assert [(c.document, c.sections) for c in six.maximus] == [("Low Back Complaints", ["Physical Methods"])]
    assert six.rationale == (
        "The ACOEM Guidelines support at-home local applications of heat or cold. The request is medically necessary."
    )


def test_no_evidence_for_claims_administrator_several_documents_for_maximus(dwc_txt_dir):
    text = _real(dwc_txt_dir, "CM16-0235724")
    maximus = (
        "MAXIMUS guideline: Decision based on MTUS Neck and Upper Back Complaints 2004, \n"
        "Section(s): Special Studies, and Chronic Pain Medical Treatment 2016, Section(s): Opioids, \n"
        "criteria for use, and Opioid Treatment 2016, Section(s): 3.3.6 Opioids for Chronic Pain and \n"
        "Chronic Opioid Treatment: Use of Urine Drug Testing (UDT). Decision based on Non-MTUS \n"
        "Citation Official Disability Guidelines (ODG) Neck and Upper Back, Magnetic resonance imaging \n"
        "(MRI). \n"
    )
    old_ca = "Claims Administrator guideline: Decision based on MTUS Neck and Upper Back Complaints \n2004."
    old_max = (
        "MAXIMUS guideline: Decision based on MTUS Neck and Upper Back Complaints 2004, \nSection(s): Special Studies."
    )
    assert old_ca in text and old_max in text
    text = text.replace(
        old_ca,
        "Claims Administrator guideline: The Claims Administrator did not cite any medical "
        "evidence \nfor its decision.",
    ).replace(old_max, maximus)
    it = only_item(text)
    assert [c.to_dict() for c in it.claims_administrator] == [
        {"kind": "NONE", "document": None, "year": None, "sections": [], "pages": None}
    ]
    assert [(c.kind, c.document, c.year, c.sections) for c in it.maximus] == [
        ("MTUS", "Neck and Upper Back Complaints", 2004, ["Special Studies"]),
        ("MTUS", "Chronic Pain Medical Treatment", 2016, ["Opioids, criteria for use"]),
        (
            "MTUS",
            "Opioid Treatment",
            2016,
            ["3.3.6 Opioids for Chronic Pain and Chronic Opioid Treatment: Use of Urine Drug Testing (UDT)"],
        ),
        (
            "NON_MTUS",
            "Official Disability Guidelines (ODG) Neck and Upper Back, Magnetic resonance imaging (MRI)",
            None,
            [],
        ),
    ]


@pytest.mark.parametrize(
    "edited",
    [
        "MRI of the cervical spine bilateral without contrast \nOverturned",
        "MRI of the cervical spine bilateral without contrast: \nOverturned",
    ],
)
def test_overturned_alone_on_its_own_line_real_letter(dwc_txt_dir, edited):
    text = _real(dwc_txt_dir, "CM16-0235724")
    original = "MRI of the cervical spine bilateral without contrast: Overturned"
    assert original in text
    it = only_item(text.replace(original, edited))
    assert it.request == "MRI of the cervical spine bilateral without contrast"
    assert it.decision == "Overturned"


def test_request_containing_the_word_upheld_real_letter(dwc_txt_dir):
    text = _real(dwc_txt_dir, "CM16-0235724")
    original = "MRI of the cervical spine bilateral without contrast: Overturned"
    edited = "Repeat MRI after the Upheld decision of 10/2016, cervical spine without contrast: Overturned"
    it = only_item(text.replace(original, edited))
    assert it.request == "Repeat MRI after the Upheld decision of 10/2016, cervical spine without contrast"
    assert it.decision == "Overturned"


@pytest.mark.parametrize(
    "summary, age, sex",
    [
        ("The injured worker is 62 years of age. He reports low back pain.", 62, "male"),
        ("The injured worker is a sixty-two year old male who fell.", 62, "male"),
        ("The injured worker is a nineteen-year-old female.", 19, "female"),
        ("She worked there for 20 years, and the injured worker is a 41 year old female.", 41, "female"),
        ("The patient is a 48 year-old, right-hand dominant, Spanish speaking female.", 48, "female"),
    ],
)
def test_age_wordings_years_of_age_and_words(summary, age, sex):
    parsed = parse_text(letter(item("MRI: Upheld"), summary=summary))
    assert (parsed.patient.age, parsed.patient.sex) == (age, sex)
