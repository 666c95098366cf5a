"""The reading level content editors see in admin (SPEC §5): a Flesch–Kincaid grade."""

import pytest

from clinic.readability import grade_level

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
