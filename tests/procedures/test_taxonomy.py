"""Procedure taxonomy (procedures.taxonomy): pure functions, no database.

Classification coverage is measured over the disputed items of all 150 real letters, parsed by
cases.parser.parse_text.
"""

import hashlib
import shutil
from collections import Counter
from pathlib import Path

import pytest

from procedures.taxonomy import (
    DEFAULT_PATH,
    Cited,
    classify,
    default_taxonomy,
    expand_query,
    load_taxonomy,
    taxonomy_version,
)
from procedures.taxonomy.loader import TaxonomyError

# ---------------------------------------------------------------------------------------------
# The abbreviations and brand names users type (from the issue).


@pytest.mark.parametrize(
    "request_text, procedure, category",
    [
        ("MBB L4-5, L5-S1 bilateral", "medial branch block", "spinal injections"),
        ("Lumbar medial branch nerve block at L3-L4", "medial branch block", "spinal injections"),
        ("Facet joint injections L4-5, L5-S1", "facet joint injection", "spinal injections"),
        ("Right L5-S1 epidural steroid injection", "epidural steroid injection", "spinal injections"),
        ("Cervical ESI C6-7", "epidural steroid injection", "spinal injections"),
        ("RFA bilateral L4-5", "radiofrequency ablation", "spinal injections"),
        ("Radiofrequency rhizotomy left L3, L4, L5", "radiofrequency ablation", "spinal injections"),
        ("TENS unit", "TENS unit", "durable medical equipment"),
        ("Associated surgical service: EMS/TENS unit", "TENS unit", "durable medical equipment"),
        ("EMG/NCS of the bilateral upper extremities", "EMG/NCS", "diagnostics/electrodiagnostics"),
        ("EMG/NCV of the lower extremities", "EMG/NCS", "diagnostics/electrodiagnostics"),
        ("Nerve Conduction Study of the right upper extremity", "EMG/NCS", "diagnostics/electrodiagnostics"),
        ("PT 2x6 for the lumbar spine", "physical therapy", "physical medicine"),
        ("Physical therapy 2 times a week for 6 weeks low back", "physical therapy", "physical medicine"),
        ("Norco 10/325mg #90", "hydrocodone/acetaminophen", "medications: opioids"),
        ("Vicodin 5/300 #60", "hydrocodone/acetaminophen", "medications: opioids"),
        ("Post-op Percocet 5/325mg", "oxycodone", "medications: opioids"),
        ("Ultram 50mg #30", "tramadol", "medications: opioids"),
        ("Nucynta 50mg #60", "tapentadol", "medications: opioids"),
        ("Flexeril 10mg #60", "cyclobenzaprine", "medications: muscle relaxants"),
        ("Lidoderm patch, 12 hours on 12 hours off", "lidocaine (topical)", "medications: topical analgesics"),
        ("Voltaren gel apply to affected area 4 times a day", "topical NSAID", "medications: topical analgesics"),
        ("Three refills of Voltaren 75mg #60", "diclofenac", "medications: NSAIDs"),
        (
            "Flurbiprofen 10%/Dextromethorphan 5%/Lidocaine 5%, 120grams #1",
            "compounded topical analgesic",
            "medications: topical analgesics",
        ),
        ("Compound Ketoprofen 20%, 240 grams", "compounded topical analgesic", "medications: topical analgesics"),
        ("Prilosec 20mg #90", "proton pump inhibitor", "medications: proton pump inhibitors/H2 blockers"),
        ("Pre-op labs: PT/PTT", "coagulation studies (PT/PTT)", "laboratory"),
        ("Twelve acupuncture visits with Capsaicin patch, 2 times weekly", "acupuncture", "acupuncture"),
        (
            "Lumbar epidural steroid injection with pain interventionist consult and treatment",
            "epidural steroid injection",
            "spinal injections",
        ),
        ("Chiropractic physiotherapy treatment 6 visits", "chiropractic manipulation", "chiropractic/manual therapy"),
        ("Lumbar MRI scan", "MRI", "imaging"),
        ("X-rays of the cervical spine", "X-ray", "imaging"),
        ("Transportation to/from all medical appointments", "transportation", "transportation"),
        ("Something nobody has heard of", "other", "other"),
    ],
)
def test_classify_procedure_and_category(request_text, procedure, category):
    result = classify(request_text)
    assert (result.procedure, result.category) == (procedure, category)


@pytest.mark.parametrize(
    "request_text, region, side",
    [
        ("Facet joint injections L4-5, L5-S1", "lumbar spine", ""),
        ("Right C5-6 epidural steroid injection", "cervical spine", "right"),
        ("MRI Thoracic Spine", "thoracic spine", ""),
        ("MRI of the lumbosacral spine without contrast", "lumbar spine", ""),
        ("Physical therapy 2 times a week for 6 weeks low back", "lumbar spine", ""),
        ("EMG/NCV of the bilateral lower extremities", "lower extremities", "bilateral"),
        ("EMG of the left upper extremity", "upper extremities", "left"),
        ("MRI of the left shoulder", "shoulder", "left"),
        ("MRI of the right knee", "knee", "right"),
        ("MRI of the left hip", "hip", "left"),
        ("MRI of the left wrist", "wrist/hand", "left"),
        ("MRI without contrast of the right elbow", "elbow", "right"),
        ("Three phase bone scan to the left foot", "ankle/foot", "left"),
        ("CT scan of the head", "head", ""),
        ("MRI of the cervical and thoracic spine", "multiple", ""),
        ("Chiropractic for the left hip and left knee, 12 visits", "multiple", "left"),
        ("EMG of the left and right upper extremity", "upper extremities", "bilateral"),
        ("TENS unit", "unspecified", ""),
        # No region written: the procedure's default (lumbar medial branch blocks are the norm).
        ("MBB", "lumbar spine", ""),
    ],
)
def test_body_region_and_laterality(request_text, region, side):
    result = classify(request_text)
    assert (result.body_region, result.laterality) == (region, side)


def test_partly_authorised_request_classifies_the_original_request_only():
    text = (
        "Physical therapy 2 times 6 for the head was the original request. Physical therapy 1 times 6 "
        "for the head was authorized by the Claims Administrator. The remaining lumbar spine portion"
    )
    assert classify(text).body_region == "head"


# ---------------------------------------------------------------------------------------------
# Query expansion


def test_mbb_and_facet_injection_expand_to_each_other():
    for query in ("MBB", "mbb", "medial branch block", "facet injection", "Facet joint injections"):
        expansion = expand_query(query)
        phrases = {p.lower() for p in expansion.phrases} | {query.lower()}
        assert {"medial branch block", "facet injection", "facet joint injection", "mbb"} <= phrases, query
        assert {"medial branch block", "facet joint injection"} <= set(expansion.procedures), query


@pytest.mark.parametrize(
    "query, expected",
    [
        ("ESI", {"epidural steroid injection"}),
        ("RFA", {"radiofrequency ablation", "rhizotomy", "neurotomy"}),
        ("TENS", {"transcutaneous electrical nerve stimulation", "tens unit"}),
        ("TENS unit", {"transcutaneous electrical nerve stimulation", "tens"}),
        ("EMG/NCS", {"emg", "ncv", "nerve conduction study", "electromyography"}),
        ("nerve conduction", {"emg", "ncs", "ncv"}),
        ("PT", {"physical therapy", "physiotherapy"}),
        ("Norco", {"hydrocodone", "vicodin", "hydrocodone/acetaminophen"}),
        ("Flexeril", {"cyclobenzaprine"}),
        ("Lidoderm", {"lidocaine patch", "lidocaine"}),
        ("lumbar MRI", {"magnetic resonance imaging", "mri scan"}),
    ],
)
def test_expand_query(query, expected):
    phrases = {p.lower() for p in expand_query(query).phrases}
    assert expected <= phrases, sorted(phrases)


def test_brand_name_stays_with_its_drug_and_the_class_word_finds_every_opioid():
    expansion = expand_query("Norco")
    assert expansion.procedures == ["hydrocodone/acetaminophen"]
    opioids = expand_query("opioids")
    phrases = {p.lower() for p in opioids.phrases}
    assert {"norco", "hydrocodone", "percocet", "tramadol", "ultram", "nucynta"} <= phrases
    assert {"hydrocodone/acetaminophen", "oxycodone", "tramadol", "tapentadol"} <= set(opioids.procedures)
    assert {"naproxen", "ibuprofen", "celecoxib"} <= set(expand_query("NSAIDs").procedures)


def test_expand_query_reports_body_regions_without_or_ing_them():
    expansion = expand_query("lumbar MRI")
    assert expansion.procedures == ["MRI"] and expansion.body_regions == ["lumbar spine"]
    assert "lumbar" not in {p.lower() for p in expansion.phrases}


def test_expand_query_leaves_plain_words_alone():
    assert expand_query("").phrases == []
    assert expand_query("weaning").phrases == []
    # Catch-all procedures are not expanded: "repair" must not OR in every surgery word.
    assert expand_query("repair").phrases == []


# ---------------------------------------------------------------------------------------------
# Versioning and validation


def test_version_is_the_sha256_of_the_data_files():
    data = Path(DEFAULT_PATH).parent
    digest = hashlib.sha256()
    for name in ("procedures.yaml", "drugs.yaml", "sections.yaml", "dwc-request-categories.txt"):
        digest.update(name.encode() + b"\0" + hashlib.sha256((data / name).read_bytes()).digest())
    assert taxonomy_version() == digest.hexdigest()


def test_version_changes_with_any_data_file(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(Path(DEFAULT_PATH).parent, copy)
    assert load_taxonomy(copy / "procedures.yaml").version == taxonomy_version()
    (copy / "drugs.yaml").write_bytes((copy / "drugs.yaml").read_bytes() + b"\n# edited\n")
    assert load_taxonomy(copy / "procedures.yaml").version != taxonomy_version()
    assert taxonomy_version(copy / "procedures.yaml") == load_taxonomy(copy / "procedures.yaml").version


def test_malformed_taxonomy_names_the_file_and_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("categories: {x: 1}\nprocedures:\n  - name: thing\n    category: nope\n    terms: [a]\n")
    with pytest.raises(TaxonomyError) as exc:
        load_taxonomy(bad)
    assert str(bad) in str(exc.value) and "unknown category 'nope'" in str(exc.value)
    bad.write_text("procedures: [unclosed\n")
    with pytest.raises(TaxonomyError, match="not valid YAML"):
        load_taxonomy(bad)


def test_taxonomy_package_imports_no_django():
    import ast

    package = Path(DEFAULT_PATH).parent.parent / "taxonomy"
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n == "django" or n.startswith("django.") for n in names), source


# ---------------------------------------------------------------------------------------------
# Coverage over the 150 real letters


@pytest.fixture(scope="module")
def seed_requests(dwc_txt_dir):
    from cases.parser import parse_text

    seed = dwc_txt_dir.parent.parent / "seed"
    return [
        (path.name, item.request)
        for path in sorted(seed.glob("*.txt"))
        for item in parse_text(path.read_text(encoding="utf-8"), source_name=path.name).items
    ]


@pytest.fixture(scope="module")
def real_requests(dwc_txt_dir):
    from cases.parser import parse_text

    requests = []
    for path in sorted(dwc_txt_dir.glob("*.txt")):
        parsed = parse_text(path.read_text(encoding="utf-8", errors="replace"), source_name=path.name)
        requests += [(path.name, item.request) for item in parsed.items]
    return requests


def test_every_real_request_gets_a_procedure_and_a_dwc_category(real_requests, seed_requests):
    """On the 150 letters and the seed: no decision is "other", every one has a DWC request
    category of the DWC's list (its first spelling)."""
    assert len(real_requests) >= 320  # 333 disputed items in the 150 letters
    tax = default_taxonomy()
    results = [(name, req, classify(req)) for name, req in real_requests + seed_requests]
    other = [(name, req) for name, req, c in results if c.procedure == "other" or c.category == "other"]
    assert not other, other
    missing = [(name, req) for name, req, c in results if not c.dwc]
    assert not missing, missing
    assert {c.dwc for _, _, c in results} <= set(tax.vocabulary.values) - set(tax.vocabulary.synonyms)
    categories = Counter(c.category for _, _, c in results)
    # Every broad area of IMR practice in the sample is represented.
    for category in [
        "imaging",
        "physical medicine",
        "diagnostics/electrodiagnostics",
        "spinal injections",
        "medications: opioids",
        "acupuncture",
        "chiropractic/manual therapy",
        "surgery",
        "durable medical equipment",
        "laboratory",
    ]:
        assert categories[category] > 0, category


def test_real_requests_by_procedure(real_requests):
    by_text = {req: classify(req) for _, req in real_requests}

    def procedures(fragment):
        return {c.procedure for req, c in by_text.items() if fragment.lower() in req.lower()}

    assert procedures("Facet joint injections") == {"facet joint injection"}
    assert procedures("Norco") == {"hydrocodone/acetaminophen"}
    assert procedures("EMG/NCV") == {"EMG/NCS"}
    assert procedures("TENS unit") == {"TENS unit"}
    assert procedures("acupuncture") == {"acupuncture"}
    assert procedures("epidural steroid injection") == {"epidural steroid injection"}
    lumbar_mri = [c for req, c in by_text.items() if c.procedure == "MRI" and c.body_region == "lumbar spine"]
    assert len(lumbar_mri) >= 10


# ---------------------------------------------------------------------------------------------
# Signals, the DWC categories, and the demo's wrong assignments


@pytest.mark.parametrize(
    "request_text, dwc",
    [
        ("Norco 10/325mg #90", "Pharmaceuticals › Opioids"),
        ("Xanax 0.5mg", "Pharmaceuticals › Benzodiazepine"),  # the list's first spelling
        ("Compound Ketoprofen 20%, 240 grams", "Pharmaceuticals › Topical Compounds"),
        ("Lidoderm patch", "Pharmaceuticals › Topical Analgesics"),
        ("Toradol 60mg IM injection", "Pharmaceuticals › Injection"),
        ("Synvisc-One injection right knee", "Pharmaceuticals › Viscosupplementation"),
        ("MBB L4-5", "Injection › Facet Injection"),
        ("Right L5-S1 epidural steroid injection", "Injection › Injection"),
        ("TENS unit", "DMEPOS › Electrical Stimulation"),
        ("Lumbar brace", "DMEPOS › Prosthetics/Orthotics"),
        ("Chiropractic 2x4", "Rehabilitation › Chiropractic"),
        ("EMG/NCV of the lower extremities", "Diagnostic Testing › EMG/NCV/NCS"),
        ("Urine drug screen", "Diagnostic Testing › Lab & Pathology"),
        ("Functional restoration program, 2 weeks", "Programs › Programs"),
        ("Acute inpatient rehabilitation 7-10 days", "Rehabilitation › Other Therapies"),
        ("Partial Hospitalization day treatment", "Psych Services › Therapies"),
        ("Right shoulder arthroscopy", "Surgery › Arthroscopic Surgery"),
        ("L4-5 fusion", "Surgery › Spine"),
        ("Transportation to appointments", "Transportation › Transportation"),
    ],
)
def test_dwc_request_category(request_text, dwc):
    assert classify(request_text).dwc == dwc


def test_inpatient_rehabilitation_and_partial_hospitalization_are_not_programs():
    for request in (
        "Acute inpatient rehabilitation physical therapy",
        "Two to three week trial of Acute Rehabilitation Unit",
        "Partial Hospitalization day treatment",
    ):
        result = classify(request)
        assert result.category != "functional restoration/programs" and not result.dwc.startswith("Programs"), request
    assert classify("Functional restoration program x 80 hours").category == "functional restoration/programs"


def test_the_deciding_signal_and_the_signals_seen():
    words = classify("Shockwave treatments for the left shoulder")
    assert (words.procedure, words.signal) == ("extracorporeal shockwave therapy (ESWT)", "request")
    drug = classify("Roxicodone 15mg #90")
    assert (drug.procedure, drug.signal, drug.drug) == ("oxycodone", "drug", "oxycodone")
    # The words say nothing: the section the reviewer relies on decides.
    section = classify("Retrospective request for DOS 3/1/2016", cited=[Cited(title="Urine drug testing (UDT)")])
    assert (section.procedure, section.signal) == ("urine drug screen", "section")
    assert section.dwc == "Diagnostic Testing › Lab & Pathology" and section.confidence < 0.9
    # A section covering a kind of service gives the DWC category only.
    kind = classify("Retrospective request for DOS 3/1/2016", cited=[Cited(title="Special Studies")])
    assert kind.procedure == "other" and kind.dwc == "Diagnostic Testing" and kind.signal == "section"
    # The words and the section agreeing make the classification surer than the words alone.
    alone = classify("MRI of the lumbar spine")
    agreed = classify("MRI of the lumbar spine", cited=[Cited(title="Special Studies")])
    assert agreed.confidence > alone.confidence
    assert [s.signal for s in agreed.signals] == ["request", "section"]
    # Nothing at all: "other", no DWC category, no confidence.
    nothing = classify("Something nobody has heard of")
    assert (nothing.procedure, nothing.dwc, nothing.signal, nothing.confidence) == ("other", "", "none", 0.0)


def test_a_clerks_alias_decides_first():
    from procedures.taxonomy import Rules
    from procedures.taxonomy.classify import alias_index

    aliases = alias_index(default_taxonomy(), [("Kera-Tek", "salicylate/menthol (topical)")])
    result = classify("Keratek gel 4oz", rules=Rules(aliases=aliases))
    assert (result.procedure, result.signal, result.confidence) == ("salicylate/menthol (topical)", "manual", 1.0)
    assert classify("Keratek gel 4oz").procedure != "salicylate/menthol (topical)"


def test_every_dwc_value_of_the_data_is_the_lists_first_spelling():
    tax = default_taxonomy()
    first = set(tax.vocabulary.values) - set(tax.vocabulary.synonyms)
    used = (
        set(tax.category_dwc.values()) | {p.dwc for p in tax.procedures if p.dwc} | {d.dwc for d in tax.drugs.values()}
    )
    assert used - {""} <= first


def test_the_dwc_vocabulary_is_the_shared_list():
    from tests.support import SHARED_DATA

    shared = SHARED_DATA / "dwc-search-vocabulary" / "request-categories.txt"
    if not shared.exists():
        pytest.skip("the shared vocabulary is not beside the checkout")
    ours = Path(DEFAULT_PATH).parent / "dwc-request-categories.txt"
    assert ours.read_text(encoding="utf-8") == shared.read_text(encoding="utf-8")


def test_every_section_name_is_a_catalog_title_or_alias():
    """sections.yaml names sections as the guideline catalog titles them (or as letters cite
    them): a name matching no catalog section would never apply."""
    import yaml

    from guidelines.linker.catalog import load_catalog_file
    from procedures.taxonomy.sections import PARENS

    titles = {
        name
        for doc in load_catalog_file()
        for section in doc["sections"]
        for name in [section["title"], *(section.get("aliases") or [])]
    }
    canonical = default_taxonomy().index.normaliser.canonical
    known = {canonical(PARENS.sub(" ", t)) for t in titles} | {canonical(t) for t in titles}
    data = yaml.safe_load((Path(DEFAULT_PATH).parent / "sections.yaml").read_text(encoding="utf-8"))
    unknown = [
        name
        for entry in data["sections"]
        for name in entry["names"]
        if canonical(name) not in known and canonical(PARENS.sub(" ", name)) not in known
    ]
    print("\nsection names not in the catalog:", unknown)
    assert len(unknown) <= 4, unknown  # "Pain (Chronic)", "Physical medicine": as letters cite them
