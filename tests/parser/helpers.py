"""Build small letters in the 2016 layout around an IMR ISSUES excerpt, as the tests need them."""

from __future__ import annotations

HEADER = """ 
Case Number: CM16-0999999  
Date Assigned: 11/18/2016 Date of Injury:  10/10/2016 
Decision Date: 12/19/2016 UR Denial Date:  11/09/2016 
Priority:  Standard Application 
Received:  
11/14/2016 
 
HOW THE IMR FINAL DETERMINATION WAS MADE 
MAXIMUS Federal Services sent the complete case file to an expert reviewer. He/she has no 
affiliation with the employer, employee, providers or the claims administrator. He/she has been 
in active clinical practice for more than five years and is currently working at least 24 hours a 
week in active practice. 
 
The Expert Reviewer has the following credentials: 
State(s) of Licensure: Texas,New York,California 
Certification(s)/Specialty: Preventive Medicine, Occupational Medicine 
 
CLINICAL CASE SUMMARY 
The expert reviewer developed the following clinical case summary based on a review of the 
case file, including all medical records: 
 
{summary}
 
IMR ISSUES, DECISIONS AND RATIONALES 
The Final Determination was based on decisions for the disputed items/services set forth below: 
 
"""

DEFAULT_SUMMARY = (
    "The applicant is a 34-year-old male who has filed a claim for chronic low back pain \n"
    "reportedly associated with an industrial injury of October 10, 2015."
)


def letter(issues: str, summary: str = DEFAULT_SUMMARY) -> str:
    return HEADER.replace("{summary}", summary) + issues


def item(
    request_block: str,
    ca: str = "Decision based on MTUS Low Back Complaints 2004.",
    maximus: str = "Decision based on MTUS Low Back Complaints 2004.",
    rationale: str = "The request is not medically necessary.",
) -> str:
    return (
        f"{request_block} \n \n"
        f"Claims Administrator guideline: {ca} \n \n"
        f"MAXIMUS guideline: {maximus} \n \n"
        f"Decision rationale: {rationale} \n \n"
    )
