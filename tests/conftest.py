import datetime
import itertools

import pytest

from conditions.models import Condition
from research.models import KeyFinding, Study

_numbers = itertools.count(1)


@pytest.fixture
def make_condition(db):
    def make(**fields):
        n = next(_numbers)
        values = {
            "name": f"Condition {n}",
            "slug": f"condition-{n}",
            "summary": "A one-line summary.",
            "body": "## About\n\nSome text.",
            "published": True,
            "last_reviewed": datetime.date(2026, 11, 1),
            "next_review_due": datetime.date(2027, 11, 1),
            "reviewed_by": "Medical content team",
        }
        values.update(fields)
        return Condition.objects.create(**values)

    return make


@pytest.fixture
def make_study(db):
    def make(conditions=(), findings=(), **fields):
        n = next(_numbers)
        values = {
            "title": f"A study of things number {n}",
            "slug": f"study-{n}",
            "authors": "Wang, Dandan\nLi, Jing\nZhang, Yu\nSun, Lingyun",
            "journal": "Arthritis Research & Therapy",
            "year": 2014,
            "volume": "16",
            "issue": "2",
            "pages": "R79",
            "doi": f"10.1186/ar{4500 + n}",
            "pmid": str(24661600 + n),
            "design": "Single-arm study, no control group",
            "participants": 40,
            "summary": "## What was done\n\nPlain words.",
            "published": True,
        }
        values.update(fields)
        study = Study.objects.create(**values)
        study.conditions.set(conditions)
        for order, (label, value, count) in enumerate(findings):
            KeyFinding.objects.create(
                study=study, label=label, value=value, count=count, order=order
            )
        return study

    return make
