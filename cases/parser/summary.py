"""Clinical case summary and the patient's age and sex found in it.

The age and sex wording is the same in every layout; the boilerplate that opens a summary is the
layout's (`Layout.summary_preamble`).
"""

from __future__ import annotations

import re

from .result import Patient

_AGE_SEX = re.compile(
    # "years" needs "old" / "of age": "for 20 years, the female ..." is no age
    r"\b(?P<age>\d{1,3})\s*-?\s*(?:(?:years?|yrs?)[\s-]*(?:of[\s-]+age|old)|y/o|yo)[\s,-]*"
    r"(?:(?!\d)[\w'()-]+[\s,]+){0,4}?"
    r"(?P<sex>male|female|man|woman|gentleman|lady|boy|girl)\b",
    re.IGNORECASE,
)
_AGE = re.compile(
    r"\b(?P<age>\d{1,3})\s*-?\s*(?:(?:years?|yrs?)[\s-]*(?:old|of\s+age)|y/o|yo)\b|\baged?\s+(?P<age2>\d{1,3})\b",
    re.IGNORECASE,
)
# "a sixty-two year old male": ages written in words are read as digits before the search.
_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_AGE = re.compile(
    r"\b(?:(?P<tens>"
    + "|".join(_TENS)
    + r")(?:[\s-]+(?P<unit>"
    + "|".join(_UNITS)
    + r"))?|(?P<teen>"
    + "|".join(_TEENS)
    + r"))(?=[\s-]+(?:years?|yrs?)\b)",
    re.IGNORECASE,
)


def _digits(m: re.Match) -> str:
    if m.group("teen"):
        return str(10 + _TEENS.index(m.group("teen").lower()))
    unit = _UNITS.index(m.group("unit").lower()) + 1 if m.group("unit") else 0
    return str(20 + 10 * _TENS.index(m.group("tens").lower()) + unit)


_SEX_WORD = re.compile(
    r"\b(?:applicant|patient|injured\s+worker|claimant|employee|individual|this|he|she)\b[^.]{0,60}?"
    r"\b(?P<sex>male|female|man|woman|gentleman|lady)\b",
    re.IGNORECASE,
)
# Pronouns, the last resort when no sex word is written ("This 62 year old ... He reports ...").
_MALE_PRONOUN = re.compile(r"\b(?:he|his|him|himself)\b", re.IGNORECASE)
_FEMALE_PRONOUN = re.compile(r"\b(?:she|her|hers|herself)\b", re.IGNORECASE)
_SEXES = {
    "male": "male",
    "man": "male",
    "gentleman": "male",
    "boy": "male",
    "female": "female",
    "woman": "female",
    "lady": "female",
    "girl": "female",
}


def find_patient(summary: str) -> Patient:
    patient = Patient()
    summary = _WORD_AGE.sub(_digits, summary)
    m = _AGE_SEX.search(summary)
    if m and 0 < int(m.group("age")) < 120:
        patient.age = int(m.group("age"))
        patient.sex = _SEXES[m.group("sex").lower()]
        return patient
    a = _AGE.search(summary)
    if a:
        age = int(a.group("age") or a.group("age2"))
        if 0 < age < 120:
            patient.age = age
    s = _SEX_WORD.search(summary)
    if s:
        patient.sex = _SEXES[s.group("sex").lower()]
    else:
        patient.sex = _sex_from_pronouns(summary)
    return patient


def _sex_from_pronouns(summary: str):
    """Only when the pronouns agree: "he/she" boilerplate or a summary that also speaks of a
    provider's "his" office gives both kinds, and then the sex stays unknown."""
    text = re.sub(
        r"\b(?:he|his|him)\s*/\s*(?:she|her)\b|\b(?:she|her)\s*/\s*(?:he|his|him)\b", " ", summary, flags=re.IGNORECASE
    )
    male, female = len(_MALE_PRONOUN.findall(text)), len(_FEMALE_PRONOUN.findall(text))
    if male and not female:
        return "male"
    if female and not male:
        return "female"
    return None


def strip_preamble(summary: str, preamble: re.Pattern) -> str:
    """Remove the layout's boilerplate (`Layout.summary_preamble`) from the start of the summary."""
    return preamble.sub("", summary, count=1)
