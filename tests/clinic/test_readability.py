"""The reading level content editors see in admin (SPEC §5): a Flesch–Kincaid grade, computed in
time linear in the text whatever an editor pastes (SPEC §14)."""

import pytest

from clinic.readability import fernandez_huerta, grade_level
from tests.timing import growth

PLAIN = (
    "Lupus is a disease. It can make you tired. Your joints may hurt. "
    "Some days are good and some are bad. A doctor can help. "
    "You can ask us for free information. We will write back soon."
)
ACADEMIC = (
    "Notwithstanding considerable methodological heterogeneity, contemporary immunological "
    "investigations increasingly substantiate the hypothesis that allogeneic mesenchymal stromal "
    "cell administration potentially ameliorates multisystemic inflammatory manifestations "
    "characteristically associated with refractory autoimmune pathophysiology, although "
    "comprehensive randomised evaluations remain conspicuously insufficient."
)


def test_plain_short_sentences_score_low():
    grade = grade_level(PLAIN)
    assert grade is not None
    assert 0 <= grade < 6


def test_long_polysyllabic_academic_text_scores_high():
    assert grade_level(ACADEMIC) > 12


def test_harder_text_scores_higher_than_plain_text():
    assert grade_level(PLAIN + " " + ACADEMIC) > grade_level(PLAIN)


@pytest.mark.parametrize(
    "text",
    ["", "Too short.", "<p>Just a few words here, not enough to judge.</p>", "<p></p>" * 50],
)
def test_text_too_short_to_judge_gives_none(text):
    assert grade_level(text) is None


def test_the_grade_is_rounded_to_one_decimal():
    grade = grade_level(ACADEMIC)
    assert grade == round(grade, 1)


def test_html_tags_are_ignored():
    html = (
        '<h2 id="about-lupus">About lupus</h2>\n'
        '<p class="lead">' + PLAIN + "</p>\n"
        '<p><a href="https://pubmed.ncbi.nlm.nih.gov/29478901/" rel="noopener noreferrer">'
        "Read more</a>.</p>"
    )
    # Each block is its own paragraph, as blank lines make them in plain text.
    text = "About lupus\n\n" + PLAIN + "\n\nRead more."
    assert grade_level(html) == grade_level(text)


def test_long_attribute_values_do_not_count_as_words():
    wrapped = (
        '<p title="extraordinarily incomprehensible multisyllabic characterisation" '
        'class="unquestionably-overcomplicated">' + PLAIN + "</p>"
    )
    assert grade_level(wrapped) == grade_level(PLAIN)


def test_block_tags_separate_sentences_and_words_even_without_whitespace():
    sentences = [s.strip() + "." for s in PLAIN.split(".") if s.strip()]
    html = "".join(f"<p>{sentence}</p>" for sentence in sentences)
    assert grade_level(html) == grade_level(" ".join(sentences))


def test_a_character_reference_too_long_for_any_character_is_not_an_error():
    html = f"<p>{PLAIN}</p><p>&#{'1' * 5000};&#x{'f' * 5000};</p>"

    assert grade_level(html) == grade_level(PLAIN)


def test_words_with_accented_letters_count_as_one_word_each():
    accented = PLAIN.replace("Lupus", "Sjögren’s syndrome")
    plain = PLAIN.replace("Lupus", "Sjogren syndrome")

    assert grade_level(accented) == grade_level(plain)


PLAIN_SPANISH = (
    "El lupus es una enfermedad. Puede causar cansancio. Le pueden doler las articulaciones. "
    "Hay días buenos y días malos. Un médico le puede ayudar. Puede pedirnos información gratis. "
    "Escríbanos y le contestaremos pronto."
)
ACADEMIC_SPANISH = (
    "No obstante la considerable heterogeneidad metodológica, las investigaciones inmunológicas "
    "contemporáneas corroboran progresivamente la hipótesis de que la administración de células "
    "estromales mesenquimales alogénicas probablemente atenúa las manifestaciones "
    "inflamatorias multisistémicas característicamente asociadas con la fisiopatología "
    "autoinmunitaria refractaria."
)


def test_plain_spanish_reads_easily_and_academic_spanish_does_not():
    plain, academic = fernandez_huerta(PLAIN_SPANISH), fernandez_huerta(ACADEMIC_SPANISH)

    assert 70 <= plain <= 100
    assert 0 <= academic < 30


@pytest.mark.parametrize("text", ["", "Demasiado corto.", "<p></p>" * 50])
def test_spanish_text_too_short_to_judge_gives_none(text):
    assert fernandez_huerta(text) is None


# Content editors may paste anything, and the grade is worked out on every admin page view.


def page_with(run, per_sentence):
    """A page of plain sentences followed by a run of one string, both growing with `size`."""
    return lambda size: PLAIN * size + run * (per_sentence * size) + "x"


@pytest.mark.parametrize(
    "run, per_sentence",
    [
        pytest.param(".", 30, id="dots"),
        pytest.param("!?", 15, id="question-and-exclamation-marks"),
        pytest.param("<", 30, id="unclosed-angle-brackets"),
    ],
)
def test_the_time_to_grade_a_text_grows_linearly_with_its_length(run, per_sentence):
    ratio = growth(grade_level, page_with(run, per_sentence), size=120, limit=30)

    # About tenfold for a text ten times longer; a quadratic scan would take a hundredfold.
    assert ratio < 30
