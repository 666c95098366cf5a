"""The public condition pages: /conditions/ and /conditions/<slug>/ (SPEC §4, §5)."""

from urllib.parse import urlsplit

import pytest

from tests.pages import find_all, json_ld, page_text, parse

SLE = "/conditions/systemic-lupus-erythematosus/"


def test_the_list_shows_published_conditions_only(client, sle, make_condition):
    make_condition(name="Draft condition", slug="draft-condition", published=False)

    response = client.get("/conditions/")

    assert response.status_code == 200
    links = {a.attrs.get("href"): a.text for a in find_all(parse(response), "a")}
    assert links[SLE] == "Systemic lupus erythematosus (SLE)"
    assert "What lupus is and how it is treated." in page_text(response)
    assert "/conditions/draft-condition/" not in links
    assert "Draft condition" not in response.content.decode()


def test_the_list_follows_the_editors_order(client, make_condition):
    make_condition(name="Alpha condition", slug="alpha", order=2)
    make_condition(name="Zeta condition", slug="zeta", order=1)

    text = page_text(client.get("/conditions/"))

    assert text.index("Zeta condition") < text.index("Alpha condition")


def test_the_page_shows_the_rendered_body(client, sle):
    response = client.get(SLE)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 id="what-is-sle">What is SLE?</h2>' in html
    assert "<strong>an autoimmune disease</strong>" in html
    assert "<li>painful joints</li>" in html
    assert "<td>Hydroxychloroquine</td>" in html
    assert "**an autoimmune disease**" not in html


def test_the_page_shows_when_it_was_reviewed_and_when_it_is_due(client, sle):
    response = client.get(SLE)

    assert "Page last reviewed: 20 November 2026 · Next review due: 20 November 2027" in page_text(
        response
    )
    times = [t.attrs["datetime"] for t in find_all(parse(response), "time")]
    assert times == ["2026-11-20", "2027-11-20"]


def test_a_page_with_three_sections_has_a_table_of_contents(client, sle):
    elements = parse(client.get(SLE))

    [toc] = find_all(elements, "nav", class_="toc")
    assert "On this page" in toc.text
    links = [(a.attrs["href"], a.text) for a in find_all(elements, "a", within=toc)]
    assert links == [
        ("#what-is-sle", "What is SLE?"),
        ("#symptoms", "Symptoms"),
        ("#treatment", "Treatment"),
    ]
    for href, _ in links:
        assert find_all(elements, "h2", id=href[1:])


def test_a_page_with_two_sections_has_no_table_of_contents(client, make_condition):
    make_condition(slug="short", body="## One\n\nText.\n\n## Two\n\nMore text.")

    response = client.get("/conditions/short/")

    assert response.status_code == 200
    assert not find_all(parse(response), "nav", class_="toc")
    assert "On this page" not in page_text(response)


def test_the_page_lists_related_published_studies_only(client, sle, make_condition, make_study):
    other = make_condition(slug="rheumatoid-arthritis", name="Rheumatoid arthritis")
    make_study(title="Published lupus study", slug="published-lupus", conditions=[sle])
    make_study(
        title="Unpublished lupus study", slug="draft-lupus", conditions=[sle], published=False
    )
    make_study(title="Arthritis study", slug="arthritis", conditions=[other])

    response = client.get(SLE)

    html = response.content.decode()
    hrefs = {a.attrs.get("href") for a in find_all(parse(response), "a")}
    assert "/research/published-lupus/" in hrefs
    assert "Published lupus study" in html
    assert "/research/draft-lupus/" not in hrefs
    assert "Unpublished lupus study" not in html
    assert "/research/arthritis/" not in hrefs
    assert "Arthritis study" not in html


def test_the_page_offers_the_inquiry_form_with_this_condition_preselected(client, sle):
    elements = parse(client.get(SLE))

    [heading] = find_all(elements, "h2", id="inquiry-heading")
    assert heading.text == "Wish to explore treating this condition with us?"
    section = heading.ancestors[-1]
    assert section.tag == "section"
    assert "Fill out the form below for free information." in section.text
    [form] = find_all(elements, "form", within=section)
    assert form.attrs["method"].lower() == "post"
    assert urlsplit(form.attrs["action"]).path == "/inquire/"
    [select] = find_all(elements, "select", within=form, name="condition")
    options = find_all(elements, "option", within=select)
    assert [o.attrs["value"] for o in options if "selected" in o.attrs] == [
        "systemic-lupus-erythematosus"
    ]


@pytest.mark.parametrize(
    "url",
    ["/conditions/no-such-condition/", "/conditions/draft-condition/", f"/conditions/{'a' * 300}/"],
    ids=["unknown", "unpublished", "very-long"],
)
def test_unknown_and_unpublished_conditions_are_not_found(client, make_condition, url):
    make_condition(name="Draft condition", slug="draft-condition", published=False)

    response = client.get(url)

    assert response.status_code == 404
    assert "Draft condition" not in response.content.decode()


def test_the_page_describes_itself_to_search_engines_as_a_medical_web_page(client, sle):
    data = json_ld(client.get(SLE))

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    assert data["about"]["@type"] == "MedicalCondition"
    assert data["about"]["name"] == "Systemic lupus erythematosus (SLE)"
    assert data["url"].endswith(SLE)
    assert data["lastReviewed"] == "2026-11-20"


def test_a_condition_name_cannot_break_out_of_the_json_ld_block(client, make_condition):
    name = "Lupus </script><script>alert(1)</script>"
    make_condition(name=name, slug="lupus", summary="Summary </script><!-- & more")

    response = client.get("/conditions/lupus/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    scripts = find_all(parse(response), "script")
    assert [s.attrs.get("type") for s in scripts] == ["application/ld+json"]
    data = json_ld(response)
    assert data["name"] == name
    assert data["about"]["name"] == name
    assert data["description"] == "Summary </script><!-- & more"
    assert find_all(parse(response), "h1")[0].text == name


def test_a_script_in_the_body_never_reaches_the_page(client, make_condition):
    body = "\n\n".join(
        [
            "## Section",
            "<script>alert('script')</script>",
            "<img src=x onerror=\"alert('img')\">",
            "[Click me](javascript:alert('link'))",
            '<a href="#" onclick="alert(\'click\')">Handler</a>',
            '<iframe src="https://evil.example/"></iframe>',
            "<style>body { display: none }</style>",
            '<form action="https://evil.example/"><input name="card"></form>',
            "![Pixel](data:image/png;base64,AAAA)",
            "Text that stays.",
        ]
    )
    make_condition(slug="pasted", body=body)

    response = client.get("/conditions/pasted/")

    assert response.status_code == 200
    html = response.content.decode()
    for forbidden in ["alert(", "onerror", "onclick", "javascript:", "<iframe", "<style"]:
        assert forbidden not in html
    assert "evil.example" not in html
    assert 'name="card"' not in html
    assert "data:image" not in html
    assert [s.attrs.get("type") for s in find_all(parse(response), "script")] == [
        "application/ld+json"
    ]
    assert "Text that stays." in page_text(response)
    assert "Click me" in page_text(response)


def test_external_links_in_the_body_get_noopener_noreferrer(client, make_condition):
    make_condition(
        slug="links",
        body="[Lupus Foundation](https://www.lupus.org/) and [our research](/research/).",
    )

    elements = parse(client.get("/conditions/links/"))

    [external] = find_all(elements, "a", href="https://www.lupus.org/")
    assert external.attrs.get("rel") == "noopener noreferrer"
    [internal] = [a for a in find_all(elements, "a", href="/research/") if a.text == "our research"]
    assert "rel" not in internal.attrs
