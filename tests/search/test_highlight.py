"""search.highlight: snippets of letter text, marked and escaped (pure Python, no Django)."""

from __future__ import annotations

from search.highlight import snippet, spans


def test_a_phrase_is_marked_as_a_phrase_and_words_by_their_stem():
    text = "Positive MRI findings were noted. A positional MRI was requested; injections failed."
    marked = snippet(text, words=["injection", "fail"], phrases=["positional MRI"])
    assert "<mark>positional MRI</mark>" in marked
    assert "<mark>Positive" not in marked and "<mark>MRI</mark> findings" not in marked
    assert "<mark>injections</mark>" in marked and "<mark>failed</mark>" in marked


def test_plural_and_hyphen_variants_of_a_phrase():
    text = "Facet joint injections at L4-5 and a medial-branch block were denied."
    marks = [text[a:b] for a, b in spans(text, [], ["facet joint injection", "medial branch block"])]
    assert marks == ["Facet joint injections", "medial-branch block"]


def test_everything_is_escaped_before_marking():
    text = 'The request <script>alert("x")</script> for medial branch blocks & more.'
    marked = snippet(text, [], ["medial branch block"])
    assert "<script>" not in marked and "&lt;script&gt;" in marked and "&amp; more" in marked
    assert "<mark>medial branch blocks</mark>" in marked


def test_a_snippet_starts_at_the_sentence_holding_the_first_mark():
    text = (
        "The injured worker has chronic low back pain after a fall at work. " * 4
        + "Electrodiagnostic studies showed an L5 radiculopathy on the left side, confirmed by examination. "
        + "No further imaging was requested. " * 5
    )
    marked = snippet(text, ["radiculopathy"], [])
    assert marked.startswith("…Electrodiagnostic studies showed")
    assert marked.endswith("…")
    # A clause after a comma when the sentence began too long ago.
    long_sentence = (
        "The reviewer notes "
        + "that the treating physician documented ongoing symptoms " * 8
        + (", and the patient reports radiculopathy in both legs since the injury.")
    )
    marked = snippet(long_sentence, ["radiculopathy"], [])
    assert marked.startswith("…and the patient reports <mark>radiculopathy</mark>")


def test_nothing_to_mark_gives_no_snippet():
    assert snippet("Nothing relevant here.", ["radiculopathy"], ["medial branch block"]) == ""
