"""Linker unit tests (pure Python, no database): every citation form found in the 150 letters,
and the variations an unseen letter may bring (case, punctuation, "&"/"and", plurals,
parentheticals, typos)."""

import pytest

from guidelines.linker import default_linker, norm, resolution_key
from guidelines.linker.catalog import CatalogError, parse_catalog


@pytest.fixture(scope="module")
def linker():
    return default_linker()


def mtus(linker, document, year, sections=(), pages=None):
    return linker.link("MTUS", document, year, list(sections), pages, "")


# --- MTUS: documents -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document,year,slug",
    [
        ("Chronic Pain Medical Treatment", 2016, "mtus-chronic-pain-2016"),
        ("Chronic Pain Medical Treatment", 2009, "mtus-chronic-pain-2009"),
        ("Low Back Complaints", 2004, "mtus-low-back-2004"),
        ("Neck and Upper Back Complaints", 2004, "mtus-neck-and-upper-back-2004"),
        ("Shoulder Complaints", 2004, "mtus-shoulder-2004"),
        ("Acupuncture Treatment", 2007, "mtus-acupuncture-2007"),
        ("Opioid Treatment", 2016, "mtus-opioids-2016"),
        ("Forearm, Wrist, and Hand Complaints", 2004, "mtus-forearm-wrist-hand-2004"),
        ("Knee Complaints", 2004, "mtus-knee-2004"),
        ("General Approaches", 2004, "mtus-general-approaches-2004"),
        ("Elbow Complaints", 2007, "mtus-elbow-2007"),
        ("Postsurgical Treatment", 2009, "mtus-postsurgical-2009"),
        ("Stress-Related Conditions", 2004, "mtus-stress-related-conditions-2004"),
        ("Ankle and Foot Complaints", 2004, "mtus-ankle-and-foot-2004"),
        # variants a letter may bring
        ("chronic pain medical treatment guidelines", 2016, "mtus-chronic-pain-2016"),
        ("Chronic Pain Medical Treatment", None, "mtus-chronic-pain-2016"),
        ("Chronic Pain Medical Treatment", 2014, "mtus-chronic-pain-2009"),
        ("Forearm Wrist & Hand Complaints", 2004, "mtus-forearm-wrist-hand-2004"),
        ("Neck & Upper Back Complaints", 2004, "mtus-neck-and-upper-back-2004"),
        ("Opioids Treatment", 2016, "mtus-opioids-2016"),
        ("Post-Surgical Treatment", 2009, "mtus-postsurgical-2009"),
        ("Stress Related Conditions", 2004, "mtus-stress-related-conditions-2004"),
        ("Acupuncture Medical Treatment", 2007, "mtus-acupuncture-2007"),
        ("MTUS Low Back Complaints Guidelines", 2004, "mtus-low-back-2004"),
        ("ACOEM Chapter 12 Low Back Complaints", 2004, "mtus-low-back-2004"),
        ("California MTUS Chronic Pain Medical Treatment Guidelines", 2009, "mtus-chronic-pain-2009"),
        ("Chronic Pain Medical Treatment", 2017, "mtus-chronic-pain-2016"),
        ("Knee Complaints (ACOEM Practice Guidelines)", 2004, "mtus-knee-2004"),
    ],
)
def test_mtus_documents(linker, document, year, slug):
    result = mtus(linker, document, year)
    assert result.document == slug
    assert result.method == "document_only"
    assert not result.needs_review


# --- MTUS: sections -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document,year,section,anchor,method",
    [
        ("Low Back Complaints", 2004, "Special Studies", "special-studies", "exact_title"),
        ("Low Back Complaints", 2004, "Physical Methods", "physical-methods", "exact_title"),
        ("Low Back Complaints", 2004, "Diagnositc Criteria", "diagnostic-criteria", "fuzzy"),
        ("Low Back Complaints", 2004, "Inital Care", "initial-care", "fuzzy"),
        ("Low Back Complaints", 2004, "special studies", "special-studies", "exact_title"),
        ("Low Back Complaints", 2004, "Follow-Up Visits", "follow-up-visits", "exact_title"),
        ("Low Back Complaints", 2004, "Followup Visits", "follow-up-visits", "alias"),
        ("Shoulder Complaints", 2004, "Surgical Considerations", "surgical-considerations", "exact_title"),
        ("Elbow Complaints", 2007, "Radial Head Fracture", "radial-head-fracture", "exact_title"),
        ("Postsurgical Treatment", 2009, "Forearm, Wrist, & Hand", "forearm-wrist-and-hand", "exact_title"),
        ("Postsurgical Treatment", 2009, "Forearm, Wrist and Hand", "forearm-wrist-and-hand", "exact_title"),
        ("Postsurgical Treatment", 2009, "Elbow & Upper Arm", "elbow-and-upper-arm", "exact_title"),
        (
            "General Approaches",
            2004,
            "Cornerstones of Disability Prevention and Management",
            "5-cornerstones-of-disability-prevention-and-management",
            "exact_title",
        ),
        ("Chronic Pain Medical Treatment", 2016, "Topical analgesics", "topical-analgesics", "exact_title"),
        ("Chronic Pain Medical Treatment", 2016, "Topical Analgesic", "topical-analgesics", "exact_title"),
        (
            "Chronic Pain Medical Treatment",
            2016,
            "NSAIDs, GI symptoms & cardiovascular risk",
            "nsaids-gi-symptoms-and-cardiovascular-risk",
            "exact_title",
        ),
        (
            "Chronic Pain Medical Treatment",
            2016,
            "NSAIDs, GI symptoms and cardiovascular risk",
            "nsaids-gi-symptoms-and-cardiovascular-risk",
            "exact_title",
        ),
        (
            "Chronic Pain Medical Treatment",
            2016,
            "TENS, chronic pain (transcutaneous electrical nerve stimulation)",
            "tens-chronic-pain-transcutaneous-electrical-nerve-stimulation",
            "exact_title",
        ),
        ("Chronic Pain Medical Treatment", 2016, "Cyclobenzaprine", "cyclobenzaprine-flexeril", "alias"),
        ("Chronic Pain Medical Treatment", 2016, "Flexeril", "cyclobenzaprine-flexeril", "alias"),
        ("Chronic Pain Medical Treatment", 2016, "Muscle relaxants", "muscle-relaxants-for-pain", "alias"),
        (
            "Chronic Pain Medical Treatment",
            2016,
            "Manual therapy and manipulation",
            "manual-therapy-and-manipulation",
            "exact_title",
        ),
        (
            "Chronic Pain Medical Treatment",
            2016,
            "Epidural Steroid Injections",
            "epidural-steroid-injections-esis",
            "alias",
        ),
        (
            "Chronic Pain Medical Treatment",
            2009,
            "Opioids, criteria for use",
            "opioids-criteria-for-use",
            "exact_title",
        ),
        (
            "Chronic Pain Medical Treatment",
            2016,
            "Electrodiagnostic testing (EMG/NCS)",
            "electrodiagnostic-testing-emg-ncs",
            "exact_title",
        ),
        (
            "Opioid Treatment",
            2016,
            "3.3 Opioids for Chronic Pain and Chronic Opioid Treatment: Initiating and Monitoring "
            "Chronic Opioid Treatment",
            "3-3-initiating-and-monitoring-chronic-opioid-treatment",
            "number",
        ),
        (
            "Opioid Treatment",
            2016,
            "3. Opioids for Chronic Pain and Chronic Opioid Treatment: Overview of "
            "Recommendations Regarding Chronic Opioid Treatment",
            "3-opioids-for-chronic-pain-and-chronic-opioid-treatment",
            "number",
        ),
        (
            "Opioid Treatment",
            2016,
            "3.3.1.2 Opioids for Chronic Pain and Chronic Opioid Treatment: Screening for Risk of "
            "Addiction or Adverse Events, Prior to Chronic Opioid Treatment: Screening for Alcohol Misuse/Abuse",
            "3-3-1-2-screening-for-alcohol-misuse-abuse",
            "number",
        ),
        (
            "Opioid Treatment",
            2016,
            "1.4 Opioids for Acute Pain: Opioids for Post-operative Pain",
            "1-4-opioids-for-post-operative-pain",
            "number",
        ),
        (
            "Opioid Treatment",
            2016,
            "4.2 Tapering Opioids: Methods for Tapering Opioids",
            "4-2-methods-for-tapering-opioids",
            "number",
        ),
        (
            "Opioid Treatment",
            2016,
            "Tapering Opioids: Methods for Tapering Opioids",
            "4-2-methods-for-tapering-opioids",
            "exact_title",
        ),
    ],
)
def test_mtus_sections(linker, document, year, section, anchor, method):
    result = mtus(linker, document, year, [section])
    assert result.sections == [anchor]
    assert result.method == method
    assert not result.needs_review
    assert 0 < result.confidence <= 1


def test_several_sections_keep_order_and_weakest_method(linker):
    result = mtus(linker, "Elbow Complaints", 2007, ["Recommendations", "Radial Head Fracture"])
    assert result.sections == ["recommendations", "radial-head-fracture"]
    result = mtus(linker, "Low Back Complaints", 2004, ["Special Studies", "Inital Care"])
    assert result.sections == ["special-studies", "initial-care"]
    assert result.method == "fuzzy"


def test_titles_split_at_their_commas_are_rejoined(linker):
    result = mtus(
        linker, "General Approaches", 2004, ["Pain", "Suffering", "and the Restoration of Function", "Prevention"]
    )
    assert result.sections == ["6-pain-suffering-and-the-restoration-of-function", "1-prevention"]
    assert not result.needs_review
    result = mtus(linker, "Chronic Pain Medical Treatment", 2016, ["Opioids", "criteria for use", "Tramadol"])
    assert result.sections == ["opioids-criteria-for-use", "tramadol-ultram"]
    # Two real titles stay two.
    result = mtus(linker, "Low Back Complaints", 2004, ["Special Studies", "Summary"])
    assert result.sections == ["special-studies", "summary"]


def test_page_number_section_without_page_ranges_goes_to_review(linker):
    # "Elbow Complaints 2007, Section(s): 326": a page, and the 2007 Elbow chapter has no page
    # ranges in the catalog. The document resolves; the section goes to the review queue.
    result = mtus(linker, "Elbow Complaints", 2007, ["326", "Diagnostic Criteria"])
    assert result.document == "mtus-elbow-2007"
    assert result.sections == ["diagnostic-criteria"]
    assert result.needs_review and "326" in result.problem


def test_page_within_chapter_range(linker):
    result = mtus(linker, "Low Back Complaints", 2004, pages="309")
    assert result.document == "mtus-low-back-2004"
    for cited in ("309", "pp. 303-305", "page 300"):
        result = mtus(linker, "Low Back Complaints", 2004, [cited])
        assert (result.document, result.method, result.needs_review) == ("mtus-low-back-2004", "page_range", False)
    result = mtus(linker, "Low Back Complaints", 2004, ["page 12"])  # outside the chapter's pages
    assert result.needs_review


def test_unknown_section_and_document_go_to_review(linker):
    result = mtus(linker, "Low Back Complaints", 2004, ["Hyperbaric Whatever"])
    assert result.document == "mtus-low-back-2004" and result.sections == [] and result.needs_review
    result = mtus(linker, "Cumulative Trauma Disorders", 2004)
    assert result.document is None and result.needs_review and result.method == "unresolved"


def test_unknown_numbered_section_links_to_its_parent_for_review(linker):
    result = mtus(linker, "Opioid Treatment", 2016, ["3.3.12 Opioids for Chronic Pain: Something New"])
    assert result.sections == ["3-3-initiating-and-monitoring-chronic-opioid-treatment"]
    assert result.needs_review and result.confidence <= 0.5


def test_section_with_a_trailing_qualifier(linker):
    result = mtus(linker, "Low Back Complaints", 2004, ["Physical Methods, Table 12-8"])
    assert result.sections == ["physical-methods"] and not result.needs_review


@pytest.mark.parametrize(
    "section,anchor",
    [
        ("Hydrocodone/Acetaminophen", "hydrocodone-acetaminophen"),
        ("Norco", "hydrocodone-acetaminophen"),
        ("Functional restoration programs (FRPs)", "functional-restoration-programs-frps"),
        ("Tizanidine (Zanaflex)", "tizanidine-zanaflex"),
        ("Opioids, dosing", "opioids-dosing"),
        ("Aquatic therapy", "aquatic-therapy"),
    ],
)
def test_chronic_pain_topics_beyond_the_150_letters(linker, section, anchor):
    assert mtus(linker, "Chronic Pain Medical Treatment", 2009, [section]).sections == [anchor]


def test_none_citation_is_not_queued(linker):
    result = linker.link("NONE")
    assert result.document is None and not result.needs_review


# --- Non-MTUS: every clause form in the letters --------------------------------------------------

NON_MTUS = [
    ("Official Disability Guidelines (ODG) Low Back Chapter", "odg-low-back", []),
    ("ODG Low back chapter", "odg-low-back", []),
    ("Low Back - Lumbar & Thoracic (Acute & Chronic)", "odg-low-back", []),
    ("Official Disability Guidelines (ODG), Low Back", "odg-low-back", []),
    (
        "Official Disability Guidelines (ODG) Low Back - Lumbar & Thoracic (Acute & Chronic), MRIs (magnetic resonance "
        "imaging)",
        "odg-low-back",
        ["mris-magnetic-resonance-imaging"],
    ),
    (
        "Official Disability Guidelines (ODG) Chapter: Low Back-Lumbar & Thoracic (Acute & Chronic) 12/20/2016 MRI "
        "(magnetic resonance imaging)",
        "odg-low-back",
        ["mris-magnetic-resonance-imaging"],
    ),
    (
        "Official Disability Guidelines (ODG) Low Back - Lumbar and Thoracic Chapter (updated 12/20/16), MRI (magnetic "
        "resonance imaging)",
        "odg-low-back",
        ["mris-magnetic-resonance-imaging"],
    ),
    (
        "Official Disability Guidelines (ODG), Low Back Chapter, Indications for imaging-Magnetic resonance imaging",
        "odg-low-back",
        ["mris-magnetic-resonance-imaging"],
    ),
    (
        "Official Disability Guidelines (ODG) Lower Back section, MRI",
        "odg-low-back",
        ["mris-magnetic-resonance-imaging"],
    ),
    (
        "Official Disability Guidelines (ODG) Low Back, Adhesiolysis, percutaneous",
        "odg-low-back",
        ["adhesiolysis-percutaneous"],
    ),
    (
        "Official Disability Guidelines (ODG), Low Back & Thoracic chapter (Acute & Chronic): Preoperative lab testing "
        "and Preoperative testing, general",
        "odg-low-back",
        ["preoperative-lab-testing", "preoperative-testing-general"],
    ),
    (
        "Official Disability Guidelines (ODG) Low Back (Thoracic and Lumbar, Acute and Chronic) Chapter, Epidural Steroid "
        "Injection (ESI) and Other Medical Treatment Guidelines www.mdguidelines.com",
        "odg-low-back",
        ["epidural-steroid-injections-esis"],
    ),
    (
        "Official Disability Guidelines (ODG) Low Back/Intra-operative monitoring and Other Medical Treatment Guidelines "
        "http://www.aetna.com/cpb/medical/data/100_199/0181.html",
        "odg-low-back",
        ["intraoperative-neurophysiological-monitoring-during-surgery"],
    ),
    (
        "Official Disability Guidelines (ODG) Low Back - Lumbar & Thoracic (Acute & Chronic), EMG, NCV",
        "odg-low-back",
        ["emgs-electromyography", "nerve-conduction-studies-ncs"],
    ),
    (
        "Official Disability Guidelines (ODG) Low back, Manipulation; Neck and Upper back, Manipulation",
        "odg-low-back",
        ["manipulation"],
    ),
    (
        "Official Disability Guidelines (ODG), Low back, Lumbar & Thoracic (Acute & Chronic) - Manipulation Harris J. "
        "Occupational medicine practice guidelines, 2nd edition (2004) p 301",
        "odg-low-back",
        ["manipulation"],
    ),
    (
        "Official Disability Guidelines: Low Back - Trigger Point Impedance Imaging (TPII); Hyperstimulation analgesia",
        "odg-low-back",
        ["trigger-point-impedance-imaging", "hyperstimulation-analgesia"],
    ),
    ("Low Back (Hyperstimulation analgesia)", "odg-low-back", ["hyperstimulation-analgesia"]),
    (
        "Official Disability Guidelines: Low Back - Criteria for use of Extracorporeal Shock Wave Therapy (ESWT)",
        "odg-low-back",
        ["shock-wave-therapy"],
    ),
    ("Official Disability Guidelines - Low Back Procedures", "odg-low-back", []),
    ("ODG guidelines, Neck and Upper back, MRI", "odg-neck-and-upper-back", ["magnetic-resonance-imaging-mri"]),
    ("Official Disability Guidelines (ODG), Neck and Upper Back; Low Back", "odg-neck-and-upper-back", []),
    (
        "Official Disability Guidelines (ODG) Neck & Upper Back (Extracorporeal shock wave therapy (ESWT))",
        "odg-neck-and-upper-back",
        ["shock-wave-therapy"],
    ),
    (
        "Official Disability Guidelines (ODG) Neck and Upper Back Chapter/ Computed Tomography (CT)",
        "odg-neck-and-upper-back",
        ["ct-computed-tomography"],
    ),
    (
        "Official Disability Guidelines (ODG), Work Loss Data Institute (21th Annual Edition), 2016, Neck and Upper Back "
        "(Acute & Chronic) Chapter",
        "odg-neck-and-upper-back",
        [],
    ),
    (
        "Official Disability Guidelines (ODG) Neck section, Physical therapy",
        "odg-neck-and-upper-back",
        ["physical-therapy-pt"],
    ),
    (
        "Official Disability Guidelines (ODG) Pain (Chronic), Electrodiagnostic testing (EMG/NCS)",
        "odg-pain",
        ["electrodiagnostic-testing-emg-ncs"],
    ),
    ("Official Disability Guidelines (ODG) Pain (Chronic), TCA's", "odg-pain", ["tricyclic-antidepressants"]),
    (
        "Official Disability Guidelines (ODG) Pain Section/Voltaren\u00ae Gel (diclofenac) Topic",
        "odg-pain",
        ["diclofenac"],
    ),
    (
        "Official Disability Guidelines (ODG), Pain (online version): Opioids, specific drug list",
        "odg-pain",
        ["opioids-specific-drug-list"],
    ),
    (
        "Official Disability Guidelines, Pain Chapter, Antidepressants for Chronic Pain",
        "odg-pain",
        ["antidepressants-for-chronic-pain"],
    ),
    (
        "Official Disability Guidelines (ODG) Knee/DME, Low Back Lumbar and Thoracic/Mattress selection and Other Medical "
        "Treatment Guidelines https://www.cms.gov/Regulations-and-Guidance/Guidance/Transmittals/downloads/R148CIM.pdf",
        "odg-knee-and-leg",
        ["durable-medical-equipment-dme"],
    ),
    (
        "Official Disability Guidelines (ODG), Knee & Leg (updated 11/22/16) Chapter: Home Health Services: Criteria for "
        "skilled nursing facility",
        "odg-knee-and-leg",
        ["criteria-for-skilled-nursing-facility"],
    ),
    ("ODG Guidelines, 14th Edition, 2016, Knee Chapter", "odg-knee-and-leg", []),
    (
        "Official Disability Guidelines (ODG) Knee and Leg Section/Physical Medicine Topic",
        "odg-knee-and-leg",
        ["physical-medicine-treatment"],
    ),
    ("Official Disability Guidelines (ODG) MRI shoulder", "odg-shoulder", ["magnetic-resonance-imaging-mri"]),
    (
        "Official Disability Guidelines (ODG), Shoulder (Acute and Chronic), Rotator cuff repair, Acromioplasty, Mumford "
        "procedure",
        "odg-shoulder",
        ["rotator-cuff-repair", "acromioplasty", "mumford-procedure"],
    ),
    (
        "Official Disability Guidelines (ODG) Shoulder, Surgery for shoulder dislocation & Surgery for biceps tenodesis",
        "odg-shoulder",
        ["surgery-for-shoulder-dislocation", "surgery-for-biceps-tenodesis"],
    ),
    (
        "Shoulder (Acute & Chronic), Physical Therapy, ODG Preface \u2013 Physical Therapy",
        "odg-shoulder",
        ["physical-therapy"],
    ),
    (
        "Official Disability Guidelines (ODG) Head (trauma, headaches, etc., not including stress & mental disorders) "
        "Hearing aids",
        "odg-head",
        ["hearing-aids"],
    ),
    (
        "Official Disability Guidelines, Head Chapter (updated 11/3/16): EEG (neurofeedback)",
        "odg-head",
        ["eeg-neurofeedback"],
    ),
    ("Official Disability Guidelines (ODG) Hips & Pelvis Chapter, X-Ray", "odg-hip-and-pelvis", ["x-ray"]),
    ("Official Disability Guidelines - Hip and Pelvis Chapter", "odg-hip-and-pelvis", []),
    ("Official Disability Guidelines (ODG) Hernia section, Imaging", "odg-hernia", ["imaging"]),
    (
        "Official Disability Guidelines (ODG) Carpal Tunnel Syndrome (Acute & Chronic) and Other Medical Treatment "
        "Guidelines AANEM Recommended Policy for Electrodiagnostic Medicine",
        "odg-carpal-tunnel-syndrome",
        [],
    ),
    (
        "Official Disability Guidelines (ODG) Forearm, wrist and hand, Physical/Occupational therapy",
        "odg-forearm-wrist-hand",
        ["physical-occupational-therapy"],
    ),
    ("Official Disability Guidelines (ODG) MRI hand", "odg-forearm-wrist-hand", ["mri-s-magnetic-resonance-imaging"]),
    (
        "Official Disability Guidelines, Elbow Procedure Summary Online Version (updated 11/23/16): Magnetic Resonance "
        "Imaging",
        "odg-elbow",
        ["magnetic-resonance-imaging-mri"],
    ),
    (
        "Official Disability Guidelines (ODG) Ankle and Foot section, Bone scan (imaging)",
        "odg-ankle-and-foot",
        ["bone-scan-imaging"],
    ),
    ("ODG Mental Illness and Stress", "odg-mental-illness-and-stress", []),
    (
        "Official Disability Guidelines (ODG) Fitness for Duty, Functional capacity evaluation (FCE)",
        "odg-fitness-for-duty",
        ["functional-capacity-evaluation-fce"],
    ),
    (
        "Official Disability Guidelines (ODG) Physical Therapy Guidelines",
        "odg-preface",
        ["physical-therapy-guidelines"],
    ),
    ("Official Disability Guidelines (ODG) Preface/Physical therapy", "odg-preface", ["physical-therapy-guidelines"]),
    ("Official Disability Guidelines - Physical Medicine Guidelines", "odg-preface", ["physical-therapy-guidelines"]),
    (
        "ACOEM Occupational Medicine Practice Guidelines, 3rd ed., Low Back Disorders, pg. 607",
        "acoem3-low-back-disorders",
        [],
    ),
    (
        "ACOEM Hip and Groin Chapter/Diagnostic and treatment recommendations",
        "acoem3-hip-and-groin-disorders",
        ["diagnostic-and-treatment-recommendations"],
    ),
]


@pytest.mark.parametrize("clause,slug,anchors", NON_MTUS)
def test_non_mtus_clauses(linker, clause, slug, anchors):
    result = linker.link("NON_MTUS", clause, None, [], None, clause)
    assert result.document == slug, result
    assert result.sections == anchors, result
    assert not result.needs_review, result


@pytest.mark.parametrize(
    "clause",
    [
        "Official Disability Guidelines (ODG)",
        "ODG Chiropractic guidelines",
        "ACOEM guidelines and the Official Disability Guidelines",
        "Sildenafil: Drug information, accessed from UpToDate.com on 12/17/2016",
        "http://www.drugs.com/famotidine.html",
        "Medicare Physicians Fee Schedule (MPFS); Chapter 12-Surgeons and Global Surgery",
    ],
)
def test_clauses_naming_no_catalog_document_go_to_review(linker, clause):
    result = linker.link("NON_MTUS", clause, None, [], None, clause)
    assert result.document is None and result.needs_review and result.problem


def test_topics_of_another_chapter_named_in_the_clause(linker):
    clause = (
        "Official Disability Guidelines (ODG) Knee/DME, Low Back Lumbar and Thoracic/Mattress selection and "
        "Other Medical Treatment Guidelines https://www.cms.gov/x.pdf"
    )
    result = linker.link("NON_MTUS", clause, None, [], None, clause)
    assert result.document == "odg-knee-and-leg"
    assert result.other_sections == [("odg-low-back", "mattress-selection")]
    assert not result.needs_review


def test_named_topic_missing_from_catalog_goes_to_review(linker):
    clause = "Official Disability Guidelines (ODG) Low Back Chapter, Hyperbaric oxygen therapy"
    result = linker.link("NON_MTUS", clause, None, [], None, clause)
    assert result.document == "odg-low-back" and result.needs_review
    assert "Hyperbaric oxygen therapy" in result.problem


@pytest.mark.parametrize(
    "clause,slug,anchors",
    [
        ("official disability guidelines (odg) - LOW BACK, mri", "odg-low-back", ["mris-magnetic-resonance-imaging"]),
        (
            "ODG: Knee and Leg (Acute and Chronic); Durable Medical Equipment",
            "odg-knee-and-leg",
            ["durable-medical-equipment-dme"],
        ),
        (
            "Official Disability Guidelines, Forearm, Wrist, & Hand (Acute & Chronic) - Electrodiagnostic Studies",
            "odg-forearm-wrist-hand",
            ["electrodiagnostic-studies-eds"],
        ),
        (
            "ODG, Neck & Upper Back Chapter, Magnetic Resonance Imaging",
            "odg-neck-and-upper-back",
            ["magnetic-resonance-imaging-mri"],
        ),
        (
            "Official Disability Guidelines, Pain (Chronic) Chapter, Topical Analgesic",
            "odg-pain",
            ["topical-analgesics"],
        ),
        ("ODG-TWC Low Back Chapter", "odg-low-back", []),
        (
            "Official Disability Guidelines Treatment in Workers' Comp (ODG-TWC), Pain Chapter, Opioids",
            "odg-pain",
            ["opioids"],
        ),
        (
            "Work Loss Data Institute, LLC; Corpus Christi, TX; www.odg-twc.com; Section: Knee & Leg (Acute & Chronic) "
            "(updated 11/22/2016)",
            "odg-knee-and-leg",
            [],
        ),
        (
            "ODG Integrated Treatment/Disability Duration Guidelines, Shoulder (Acute & Chronic), Surgery for rotator cuff "
            "repair",
            "odg-shoulder",
            ["surgery-for-rotator-cuff-repair"],
        ),
        ("Official Disability Guidelines (ODG), Low Back, Lumbar Supports", "odg-low-back", ["lumbar-supports"]),
        ("ODG Pain Chapter, Urine drug testing (UDT)", "odg-pain", ["urine-drug-testing-udt"]),
    ],
)
def test_non_mtus_variants(linker, clause, slug, anchors):
    result = linker.link("NON_MTUS", clause, None, [], None, clause)
    assert (result.document, result.sections, result.needs_review) == (slug, anchors, False), result


@pytest.mark.parametrize(
    "clause,slug",
    [
        (
            "American College of Occupational and Environmental Medicine (ACOEM), 2nd Edition, (2004), Chapter 12",
            "mtus-low-back-2004",
        ),
        ("ACOEM Practice Guidelines, 2nd Edition, Knee Complaints", "mtus-knee-2004"),
        ("ACOEM Practice Guidelines, 3rd Edition (2011), Chapter: Knee Disorders", "acoem3-knee-disorders"),
        ("ODG Low Back Disorders", "odg-low-back"),
    ],
)
def test_acoem_editions_and_older_odg_names(linker, clause, slug):
    result = linker.link("NON_MTUS", clause, None, [], None, clause)
    assert result.document == slug and not result.needs_review, result


def test_normalisation():
    assert norm("NSAIDs, GI symptoms & cardiovascular risk") == norm("nsaid GI symptom and cardiovascular risks")
    assert norm("Post-operative") == norm("postoperative")
    assert norm("X-Rays") == norm("xray")
    assert norm("Low Back-Lumbar") == norm("low back lumbar")


def test_resolution_key_is_the_same_for_the_same_citation_text():
    a = resolution_key("NON_MTUS", "Official Disability Guidelines (ODG),  Low Back", None, [])
    b = resolution_key("NON_MTUS", "official disability guidelines (odg) low back", None, [])
    assert a == b
    assert resolution_key("MTUS", "Low Back Complaints", 2004, ["326"]) != resolution_key(
        "MTUS", "Low Back Complaints", 2004, ["327"]
    )


def test_catalog_errors_name_the_entry():
    with pytest.raises(CatalogError, match="missing slug"):
        parse_catalog({"documents": [{"family": "MTUS", "title": "X"}]}, source="c.yaml")
    with pytest.raises(CatalogError, match="unknown family"):
        parse_catalog({"documents": [{"slug": "x", "family": "NOPE", "title": "X"}]})
    with pytest.raises(CatalogError, match="pages"):
        parse_catalog({"documents": [{"slug": "x", "family": "ODG", "title": "X", "pages": "a-b"}]})


def test_linker_is_pure_python():
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, guidelines.linker, guidelines.linker.textsplit; "
        "sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0


@pytest.mark.parametrize(
    "clause,slug,anchors,others",
    [
        # CM16-0239569: the same topic under two chapters
        (
            "Official Disability Guidelines (ODG) Low back, Manipulation; Neck and Upper back, Manipulation",
            "odg-low-back",
            ["manipulation"],
            [("odg-neck-and-upper-back", "manipulation")],
        ),
        # CM17-0015198: each chapter followed by its own topic
        (
            "Official Disability Guidelines (ODG), Shoulder (updated 12/12/16), Physical therapy, ODG physical therapy "
            "guidelines, ODG Elbow (updated 11/23/16), Physical therapy; ODG Forearm, Wrist and Hand (updated 12/20/16), "
            "Physical therapy",
            "odg-shoulder",
            ["physical-therapy"],
            [("odg-elbow", "physical-therapy"), ("odg-forearm-wrist-hand", "physical-occupational-therapy")],
        ),
    ],
)
def test_topic_named_after_a_second_chapter_belongs_to_it(linker, clause, slug, anchors, others):
    result = linker.link("NON_MTUS", clause, None, [], None, clause)
    assert result.document == slug and list(result.sections) == anchors
    assert result.other_sections == others
    assert not result.needs_review
