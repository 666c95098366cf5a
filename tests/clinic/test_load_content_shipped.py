"""`manage.py load_content` on the content the site ships with (SPEC §7): one condition and three
studies with their real bibliographic data, loaded by default, and a second load changes nothing."""

import pytest
from django.conf import settings

from conditions.models import Condition
from research.models import Study
from tests.clinic.content_files import load, snapshot

pytestmark = pytest.mark.django_db

SLE = "systemic-lupus-erythematosus"

SHIPPED_STUDIES = {
    "10.1186/ar4520": ("Arthritis Research & Therapy", 2014, "24661633"),
    "10.1016/j.stemcr.2018.01.029": ("Stem Cell Reports", 2018, "29478901"),
    "10.1136/annrheumdis-2017-211073": ("Annals of the Rheumatic Diseases", 2017, "28478399"),
}


def test_shipped_content_loads_one_condition_and_three_studies():
    output = load(settings.CONTENT_DIR)
    assert "Conditions: 1 created, 0 updated, 0 unchanged." in output
    assert "Studies: 3 created, 0 updated, 0 unchanged." in output
    assert list(Condition.objects.values_list("slug", flat=True)) == [SLE]
    sle = Condition.objects.get()
    assert sle.published
    assert "<h2" in sle.body_html and "<script" not in sle.body_html
    assert sle.toc_html.startswith('<ol class="toc-list">')


def test_shipped_studies_have_correct_bibliographic_data():
    load(settings.CONTENT_DIR)
    found = {s.doi: (s.journal, s.year, s.pmid) for s in Study.objects.all()}
    assert found == SHIPPED_STUDIES


def test_each_shipped_study_has_key_findings_and_links_to_sle():
    load(settings.CONTENT_DIR)
    sle = Condition.objects.get(slug=SLE)
    for study in Study.objects.all():
        assert study.published, study.slug
        assert list(study.conditions.all()) == [sle], study.slug
        findings = list(study.findings.all())
        assert findings, study.slug
        for finding in findings:
            assert finding.label and finding.value
            assert finding.fraction is None or 0 <= finding.fraction <= 1
        assert study.summary_html and "<h1" not in study.summary_html
    assert sle.studies.count() == 3


def test_without_a_path_it_loads_the_content_folder():
    output = load()
    assert "Studies: 3 created" in output
    assert Study.objects.filter(doi="10.1016/j.stemcr.2018.01.029").exists()


def test_loading_the_shipped_content_twice_changes_nothing():
    load(settings.CONTENT_DIR)
    before = snapshot()
    output = load(settings.CONTENT_DIR)
    assert "Conditions: 0 created, 0 updated, 1 unchanged." in output
    assert "Studies: 0 created, 0 updated, 3 unchanged." in output
    assert "Updated" not in output
    assert snapshot() == before
