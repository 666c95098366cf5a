"""Translations beside the originals (`slug.es.md`, docs/content.md): loaded, sanitised, dated;
a bad one names its file and field and loads nothing (SPEC §12)."""

import datetime

import pytest
from django.conf import settings
from django.core.management import CommandError

from conditions.models import ConditionTranslation
from research.models import StudyTranslation
from tests.clinic.content_files import document, load, snapshot

pytestmark = pytest.mark.django_db

CONDITION_ES = {
    "name": "Lupus (LES)",
    "summary": "Qué es el lupus, en una frase sencilla.",
    "translated_on": datetime.date(2026, 11, 30),
    "original_reviewed": datetime.date(2026, 11, 20),
}
STUDY_ES = {
    "design": "Estudio de un solo grupo, sin grupo de control",
    "translated_on": datetime.date(2026, 11, 30),
    "original_reviewed": datetime.date(2026, 11, 20),
    "findings": ["Vivos al final del seguimiento", "Alguna respuesta"],
}


def translation(content, kind, filename, fields, body="## Sobre\n\nTexto.\n"):
    return content.raw(kind, filename, document(fields, body))


def test_the_shipped_spanish_content_loads_beside_the_english():
    output = load(settings.CONTENT_DIR)

    assert "Condition translations: 1 created, 0 updated, 0 unchanged." in output
    assert "Study translations: 3 created, 0 updated, 0 unchanged." in output
    sle = ConditionTranslation.objects.get(condition__slug="systemic-lupus-erythematosus")
    assert (sle.language, sle.name) == ("es", "Lupus eritematoso sistémico (LES)")
    assert "experimental" in sle.body_html and "no se ha demostrado que funcione" in sle.body_html
    for study in StudyTranslation.objects.select_related("study"):
        assert len(study.finding_labels) == study.study.findings.count()
        assert "grupo de control" in study.summary_html or "placebo" in study.summary_html
    assert "Nothing" not in load(settings.CONTENT_DIR)
    assert "Condition translations: 0 created, 0 updated, 1 unchanged." in load(
        settings.CONTENT_DIR
    )


def test_a_translation_is_sanitised_like_its_original(content):
    content.condition()
    body = '## Sobre\n\n<script>alert(1)</script><a href="javascript:alert(1)">x</a> Texto.\n'
    translation(content, "conditions", "lupus.es", CONDITION_ES, body)

    load(content.root)

    html = ConditionTranslation.objects.get().body_html
    assert "<script" not in html and "javascript:" not in html
    assert 'id="sobre"' in html


def test_a_changed_translation_file_updates_only_the_translation(content):
    content.condition()
    path = translation(content, "conditions", "lupus.es", CONDITION_ES)
    load(content.root)

    path.write_text(path.read_text().replace("Texto.", "Texto nuevo."), encoding="utf-8")
    output = load(content.root)

    assert "Conditions: 0 created, 0 updated, 1 unchanged." in output
    assert "Condition translations: 0 created, 1 updated, 0 unchanged." in output
    assert "Texto nuevo." in ConditionTranslation.objects.get().body_html


@pytest.mark.parametrize(
    ("filename", "fields", "message"),
    [
        ("lupus.fr", CONDITION_ES, "'fr' in the file name is not one of the site's other"),
        ("lupus.en", CONDITION_ES, "'en' in the file name is not one of the site's other"),
        ("missing.es", CONDITION_ES, "has no original missing.md"),
        ("lupus.es", {**CONDITION_ES, "translated_on": "yesterday"}, "field 'translated_on'"),
        ("lupus.es", {**CONDITION_ES, "original_reviewed": None}, "field 'original_reviewed'"),
        ("lupus.es", {**CONDITION_ES, "published": True}, "field 'published': is not a known"),
        ("lupus.es", {**CONDITION_ES, "name": ""}, "field 'name'"),
    ],
)
def test_a_bad_condition_translation_names_file_and_field_and_loads_nothing(
    content, filename, fields, message
):
    content.condition()
    content.study()
    path = translation(content, "conditions", filename, fields)
    before = snapshot()

    with pytest.raises(CommandError) as error:
        load(content.root)

    assert content.shown(path) in str(error.value)
    assert message in str(error.value)
    assert "Nothing was loaded" in str(error.value)
    assert snapshot() == before
    assert not ConditionTranslation.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({**STUDY_ES, "findings": ["Solo una"]}, "field 'findings': has 1 labels for the origi"),
        ({**STUDY_ES, "findings": "Vivos"}, "field 'findings': must be a list of labels"),
        ({**STUDY_ES, "findings": ["Vivos", ""]}, "field 'findings[2]'"),
        ({**STUDY_ES, "abstract": "Texto"}, "field 'abstract': is not a known field"),
    ],
)
def test_a_bad_study_translation_names_file_and_field_and_loads_nothing(content, fields, message):
    content.condition()
    content.study()
    path = translation(content, "research", "study-one.es", fields)

    with pytest.raises(CommandError) as error:
        load(content.root)

    assert content.shown(path) in str(error.value)
    assert message in str(error.value)
    assert not StudyTranslation.objects.exists()


def test_a_translation_with_no_text_is_refused(content):
    content.condition()
    path = translation(content, "conditions", "lupus.es", CONDITION_ES, body="")

    with pytest.raises(CommandError) as error:
        load(content.root)

    assert f"{content.shown(path)}: has no translated text" in str(error.value)
