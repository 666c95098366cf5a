"""The study the research tests read: Wang et al. 2018, as the clinic shows it."""

import datetime

import pytest

FOLLOW_UP = {
    "title": (
        "A Long-Term Follow-up Study of Allogeneic Mesenchymal Stem/Stromal Cell Transplantation"
        " in Patients with Drug-Resistant Systemic Lupus Erythematosus"
    ),
    "slug": "wang-2018-long-term-follow-up",
    "authors": "Wang, Dandan\nZhang, Huayong\nLiang, Jun\nGilkeson, Gary S.\nSun, Lingyun",
    "journal": "Stem Cell Reports",
    "year": 2018,
    "published_on": datetime.date(2018, 3, 13),
    "volume": "10",
    "issue": "3",
    "pages": "933-941",
    "doi": "10.1016/j.stemcr.2018.01.029",
    "pmid": "29478901",
    "design": "Long-term (5-year) follow-up of patients given donor MSCs, no control group",
    "participants": 81,
    "summary": "## What was done\n\nDoctors followed **81 people** for five years.",
    "abstract": "Eighty-one patients were enrolled.\n\nOur results demonstrated safety.",
}
FINDINGS = [
    ("Alive 5 years after treatment (of all 81)", "84 %", "68/81"),
    ("In remission at 5 years (of all 81)", "34 %", "28/81"),
    ("Fall in disease activity score", "from 10 to 4", ""),
]


@pytest.fixture
def follow_up(make_study, sle):
    return make_study(conditions=[sle], findings=FINDINGS, **FOLLOW_UP)
