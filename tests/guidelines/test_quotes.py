"""Quote extraction (pure): sentences that state what a guideline says."""

from guidelines.linker.quotes import extract_quotes, split_sentences


def texts(rationale):
    return [q.text for q in extract_quotes(rationale)]


def test_forms_reviewers_use():
    rationale = (
        "No, the request was not medically necessary. As noted on page 82 of the MTUS Chronic Pain Medical "
        "Treatment Guidelines (July 28, 2016), no more than one set of facet blocks is recommended. Here, however, "
        "the provider did not say. CA MTUS/ACOEM Guidelines state that imaging is indicated for red flags. "
        "ODG recommends 10 visits over 8 weeks. According to the MTUS, e.g. for myalgia, 9-10 visits are "
        "supported. The California MTUS 2016 Chronic Pain Guidelines recommend up to 10 sessions. "
        "Therefore, the request is not medically necessary."
    )
    quotes = extract_quotes(rationale)
    assert [q.text[:25] for q in quotes] == [
        "As noted on page 82 of th",
        "CA MTUS/ACOEM Guidelines ",
        "ODG recommends 10 visits ",
        "According to the MTUS, e.",
        "The California MTUS 2016 ",
    ]
    assert quotes[0].family == "MTUS" and quotes[0].page == 82
    assert quotes[2].family == "ODG"
    assert quotes[3].text.endswith("9-10 visits are supported.")


def test_case_facts_and_conclusions_are_not_quotes():
    assert (
        texts(
            "In this case, the guidelines recommend nothing further. The patient has had 12 visits. "
            "Therefore the request is not supported by the guidelines."
        )
        == []
    )


def test_multi_sentence_quotation_kept_whole():
    rationale = (
        'California MTUS guidelines state, "Unequivocal objective findings are sufficient. When the '
        "examination is less clear, further evidence should be obtained. Indiscriminant imaging will "
        'result in false-positive findings." The patient has no deficits.'
    )
    [quote] = texts(rationale)
    assert quote.startswith("California MTUS guidelines state") and quote.endswith('false-positive findings."')


def test_sentence_split_keeps_abbreviations_and_numbers():
    parts = split_sentences("Per ODG, i.e. the Pain chapter, use 0.5 mg. See section 3.3.1 for details. Done.")
    assert parts == ["Per ODG, i.e. the Pain chapter, use 0.5 mg.", "See section 3.3.1 for details.", "Done."]


def test_family_is_the_one_the_statement_is_attributed_to():
    [quote] = extract_quotes(
        "MTUS Chronic Pain Guidelines make no recommendation regarding cervical manipulation, "
        "however Official Disability Guidelines (ODG), Neck and Upper Back section recommends "
        "manipulation for an initial trial of 6 visits."
    )
    assert quote.family == "ODG"
    [quote] = extract_quotes("According to ACOEM, as adopted by the MTUS, imaging is not needed early.")
    assert quote.family == "ACOEM"
