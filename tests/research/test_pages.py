"""The public research pages: /research/ and /research/<slug>/ (SPEC §4, §6)."""

import datetime

import pytest

from tests.pages import Page, find_all, hrefs, json_ld, meta_tags, page_text, parse

STUDY = "/research/wang-2018-long-term-follow-up/"


def study_cards(response):
    elements = parse(response)
    return {
        find_all(elements, "h2", within=card)[0].text: card
        for card in find_all(elements, "article", class_="study-card card")
    }


def test_the_list_shows_published_studies_newest_first(client, make_study):
    make_study(title="From 2014", year=2014)
    make_study(title="From 2018, March", year=2018, published_on=datetime.date(2018, 3, 13))
    make_study(title="From 2018, no date", year=2018, published_on=None)
    make_study(title="From 2018, June", year=2018, published_on=datetime.date(2018, 6, 1))
    make_study(title="From 2017", year=2017)
    make_study(title="Unpublished from 2020", year=2020, published=False)

    response = client.get("/research/")

    assert response.status_code == 200
    assert list(study_cards(response)) == [
        "From 2018, June",
        "From 2018, March",
        "From 2018, no date",
        "From 2017",
        "From 2014",
    ]
    assert "Unpublished from 2020" not in response.content.decode()


def test_each_study_in_the_list_shows_its_citation_design_participants_and_findings(
    client, follow_up
):
    card = study_cards(client.get("/research/"))[follow_up.title]

    assert "Wang D, Zhang H, … Sun L. Stem Cell Reports, 2018." in card.text
    assert f"Design {follow_up.design}" in card.text
    assert "Participants 81" in card.text
    assert "Alive 5 years after treatment (of all 81): 84 % (68 of 81)" in card.text
    assert "In remission at 5 years (of all 81): 34 % (28 of 81)" in card.text
    assert "Fall in disease activity score: from 10 to 4" in card.text


def test_the_list_links_each_study_to_its_page(client, follow_up):
    assert STUDY in hrefs(client.get("/research/"))


def test_the_condition_filter_shows_that_conditions_studies_only(
    client, sle, make_condition, make_study
):
    arthritis = make_condition(name="Rheumatoid arthritis", slug="rheumatoid-arthritis")
    make_study(title="Lupus study", conditions=[sle])
    make_study(title="Arthritis study", conditions=[arthritis])

    response = client.get("/research/?condition=systemic-lupus-erythematosus")

    assert response.status_code == 200
    assert list(study_cards(response)) == ["Lupus study"]
    assert (
        find_all(parse(response), "h1")[0].text == "Research on Systemic lupus erythematosus (SLE)"
    )
    assert set(study_cards(client.get("/research/?condition="))) == {
        "Lupus study",
        "Arthritis study",
    }


@pytest.mark.parametrize(
    "query",
    [
        "condition=no-such-condition",
        "condition=draft-condition",
        "condition=%00",
        "condition=lupus%00",
        "condition=" + "a" * 121,
        "condition=" + "a" * 10_000,
        "condition=%3Cscript%3Ealert(1)%3C/script%3E",
        "condition=%27%20OR%201=1--",
        "condition=%F0%9F%92%A9",
        "condition=%FF%FE",
    ],
    ids=[
        "unknown",
        "unpublished",
        "nul",
        "nul-suffix",
        "too-long",
        "very-long",
        "script",
        "sql",
        "emoji",
        "invalid-utf8",
    ],
)
def test_a_bad_condition_filter_is_not_found(client, make_condition, make_study, query):
    draft = make_condition(name="Draft condition", slug="draft-condition", published=False)
    make_study(title="Study of a draft condition", conditions=[draft])

    response = client.get(f"/research/?{query}")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "Study of a draft condition" not in html


def test_the_study_page_shows_the_full_citation(client, follow_up):
    text = page_text(client.get(STUDY))

    assert "Dandan Wang, Huayong Zhang, Jun Liang, Gary S. Gilkeson, Lingyun Sun." in text
    assert "Stem Cell Reports 2018;10(3):933-941." in text
    assert "https://doi.org/10.1016/j.stemcr.2018.01.029" in text


@pytest.mark.parametrize(
    "href",
    [
        "https://doi.org/10.1016/j.stemcr.2018.01.029",
        "https://pubmed.ncbi.nlm.nih.gov/29478901/",
        "/research/wang-2018-long-term-follow-up/cite.ris",
        "/research/wang-2018-long-term-follow-up/cite.bib",
        "/conditions/systemic-lupus-erythematosus/",
        "/inquire/?condition=systemic-lupus-erythematosus",
    ],
)
def test_the_study_page_links_to_the_paper_its_citations_the_condition_and_the_form(
    client, follow_up, href
):
    assert href in hrefs(client.get(STUDY))


def test_the_study_page_links_to_the_trial_registration_when_there_is_one(client, make_study):
    make_study(slug="deng-2017", registration="NCT01539902")

    response = client.get("/research/deng-2017/")

    [link] = find_all(parse(response), "a", href="https://clinicaltrials.gov/study/NCT01539902")
    assert link.text == "NCT01539902"
    assert "Trial registration: NCT01539902" in page_text(response)


def test_the_study_page_has_no_trial_registration_link_when_there_is_none(client, follow_up):
    response = client.get(STUDY)

    assert not [h for h in hrefs(response) if "clinicaltrials.gov" in (h or "")]
    assert "Trial registration" not in page_text(response)


def test_the_study_page_has_google_scholar_meta_tags(client, follow_up):
    tags = [(name, content) for name, content in meta_tags(client.get(STUDY)) if name]
    citation = dict(tags)

    assert citation["citation_title"] == follow_up.title
    assert [content for name, content in tags if name == "citation_author"] == [
        "Wang, Dandan",
        "Zhang, Huayong",
        "Liang, Jun",
        "Gilkeson, Gary S.",
        "Sun, Lingyun",
    ]
    expected = {
        "citation_journal_title": "Stem Cell Reports",
        "citation_publication_date": "2018/03/13",
        "citation_volume": "10",
        "citation_issue": "3",
        "citation_firstpage": "933",
        "citation_lastpage": "941",
        "citation_doi": "10.1016/j.stemcr.2018.01.029",
        "citation_pmid": "29478901",
    }
    assert {name: citation[name] for name in expected} == expected


def test_an_article_number_is_a_first_page_without_a_last_page(client, make_study):
    make_study(slug="article-number", pages="R79")

    citation = dict(meta_tags(client.get("/research/article-number/")))

    assert citation["citation_firstpage"] == "R79"
    assert "citation_lastpage" not in citation


def test_the_key_findings_are_a_chart_with_the_numbers_written_out(client, follow_up):
    elements = parse(client.get(STUDY))

    items = find_all(elements, "li", class_="finding")
    assert [item.text for item in items] == [
        "Alive 5 years after treatment (of all 81): 84 % (68 of 81)",
        "In remission at 5 years (of all 81): 34 % (28 of 81)",
        "Fall in disease activity score: from 10 to 4",
    ]
    bars = find_all(elements, "svg")
    assert len(bars) == 2, "a value that is not a share gets no bar"
    for bar in bars:
        assert bar.attrs.get("aria-hidden") == "true"
    widths = [float(rect.attrs["width"]) for rect in find_all(elements, "rect", class_="bar-fill")]
    assert widths == [pytest.approx(84.0, abs=0.1), pytest.approx(34.6, abs=0.1)]


def test_the_study_page_shows_the_summary_and_the_abstract(client, follow_up):
    page = Page(client.get(STUDY))

    assert page.find("h3", id="what-was-done").text == "What was done"
    assert "81 people" in [strong.text for strong in page.find_all("strong")]
    paragraphs = [p.text for p in page.find_all("p")]
    assert "Eighty-one patients were enrolled." in paragraphs
    assert "Our results demonstrated safety." in paragraphs


def test_the_study_page_does_not_link_to_an_unpublished_condition(
    client, sle, make_condition, make_study
):
    draft = make_condition(name="Draft condition", slug="draft-condition", published=False)
    make_study(slug="two-conditions", conditions=[sle, draft])

    response = client.get("/research/two-conditions/")

    links = hrefs(response)
    assert "/conditions/systemic-lupus-erythematosus/" in links
    assert "/conditions/draft-condition/" not in links
    assert "Draft condition" not in response.content.decode()


def test_the_study_page_describes_the_paper_as_a_scholarly_article(client, follow_up):
    data = json_ld(client.get(STUDY))

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ScholarlyArticle"
    assert data["headline"] == follow_up.title
    assert data["sameAs"] == "https://doi.org/10.1016/j.stemcr.2018.01.029"
    assert {"@type": "PropertyValue", "propertyID": "DOI", "value": follow_up.doi} in data[
        "identifier"
    ]
    assert [author["familyName"] for author in data["author"]][0] == "Wang"
    assert data["about"] == [
        {"@type": "MedicalCondition", "name": "Systemic lupus erythematosus (SLE)"}
    ]


def test_a_study_title_cannot_break_out_of_the_json_ld_block(client, make_study):
    title = "Cells </script><script>alert(1)</script> & more"
    make_study(slug="hostile", title=title)

    response = client.get("/research/hostile/")

    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()
    assert json_ld(response)["headline"] == title
    assert dict(meta_tags(response))["citation_title"] == title


@pytest.mark.parametrize(
    "url",
    [
        "/research/no-such-study/",
        "/research/draft-study/",
        "/research/draft-study/cite.ris",
        "/research/draft-study/cite.bib",
        "/research/no-such-study/cite.ris",
    ],
)
def test_unknown_and_unpublished_studies_are_not_found(client, make_study, url):
    make_study(title="Draft study", slug="draft-study", published=False)

    response = client.get(url)

    assert response.status_code == 404
    assert "Draft study" not in response.content.decode()
