"""Citations: the RIS and BibTeX downloads (SPEC §4, §6) and the model logic behind them."""

import re

import pytest
from django.core.exceptions import ValidationError

from research.models import KeyFinding, Study

RIS = "/research/wang-2018-long-term-follow-up/cite.ris"
BIB = "/research/wang-2018-long-term-follow-up/cite.bib"


def ris_lines(response):
    return response.content.decode("utf-8").split("\r\n")[:-1]


def ris_values(response, tag):
    return [line[6:] for line in ris_lines(response) if line.startswith(f"{tag}  - ")]


def parse_bibtex(text):
    """One entry as (type, key, fields); fails on unbalanced braces or a malformed field."""
    match = re.fullmatch(r"@(\w+)\{([^,\s{}]+),\n(.*)\n\}\n", text, re.DOTALL)
    assert match, text
    kind, key, body = match.groups()
    fields, index = {}, 0
    while index < len(body):
        field = re.compile(r"  (\w+) = \{").match(body, index)
        assert field, body[index:]
        name, index, start, depth = field[1], field.end(), field.end(), 1
        while depth:
            char = body[index]
            if char == "\\":
                index += 2
                continue
            depth += {"{": 1, "}": -1}.get(char, 0)
            index += 1
        assert name not in fields
        fields[name] = body[start : index - 1]
        if body.startswith(",\n", index):
            index += 2
        else:
            assert index == len(body), body[index:]
    return kind, key, fields


@pytest.mark.parametrize(
    ("url", "content_type"),
    [(RIS, "application/x-research-info-systems"), (BIB, "application/x-bibtex")],
    ids=["ris", "bibtex"],
)
def test_a_citation_download_is_an_attachment_named_after_the_study(
    client, follow_up, url, content_type
):
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == f"{content_type}; charset=utf-8"
    extension = url.rsplit(".", 1)[1]
    assert response["Content-Disposition"] == (
        f'attachment; filename="wang-2018-long-term-follow-up.{extension}"'
    )


def test_every_ris_line_ends_in_crlf(client, follow_up):
    body = client.get(RIS).content

    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert b"\r" not in body.replace(b"\r\n", b"")


def test_the_ris_record_starts_with_its_type_and_ends_with_er(client, follow_up):
    lines = ris_lines(client.get(RIS))

    assert lines[0] == "TY  - JOUR"
    assert lines[-1] == "ER  - "
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines)


def test_the_ris_record_has_one_author_line_per_author_in_order(client, follow_up):
    assert ris_values(client.get(RIS), "AU") == [
        "Wang, Dandan",
        "Zhang, Huayong",
        "Liang, Jun",
        "Gilkeson, Gary S.",
        "Sun, Lingyun",
    ]


def test_the_ris_record_has_the_bibliographic_details(client, follow_up):
    response = client.get(RIS)

    expected = {
        "TI": [follow_up.title],
        "JO": ["Stem Cell Reports"],
        "PY": ["2018"],
        "DA": ["2018/03/13"],
        "VL": ["10"],
        "IS": ["3"],
        "SP": ["933"],
        "EP": ["941"],
        "DO": ["10.1016/j.stemcr.2018.01.029"],
        "UR": ["https://doi.org/10.1016/j.stemcr.2018.01.029"],
    }
    for tag, values in expected.items():
        assert ris_values(response, tag) == values, tag
    assert any("29478901" in line for line in ris_lines(response))


def test_a_multi_line_abstract_stays_on_one_ris_line(client, follow_up):
    assert ris_values(client.get(RIS), "AB") == [
        "Eighty-one patients were enrolled. Our results demonstrated safety."
    ]


def test_an_article_number_gives_a_start_page_and_no_end_page(client, make_study):
    make_study(slug="article", pages="R79")

    response = client.get("/research/article/cite.ris")

    assert ris_values(response, "SP") == ["R79"]
    assert ris_values(response, "EP") == []


def test_a_page_range_with_an_en_dash_gives_start_and_end_pages(client, make_study):
    make_study(slug="en-dash", pages="933–941")

    response = client.get("/research/en-dash/cite.ris")

    assert ris_values(response, "SP") == ["933"]
    assert ris_values(response, "EP") == ["941"]


def test_non_ascii_author_names_come_through_in_utf8(client, make_study):
    make_study(slug="accents", authors="Farge, Dominique\nGüneş, Ayşe")

    response = client.get("/research/accents/cite.ris")

    assert ris_values(response, "AU") == ["Farge, Dominique", "Güneş, Ayşe"]


def test_the_bibtex_entry_is_an_article_with_a_sensible_key(client, follow_up):
    kind, key, fields = parse_bibtex(client.get(BIB).content.decode())

    assert kind == "article"
    assert re.fullmatch(r"wang2018[a-z]+", key)
    assert {name: fields[name] for name in ("journal", "year", "volume", "number", "doi")} == {
        "journal": "Stem Cell Reports",
        "year": "2018",
        "volume": "10",
        "number": "3",
        "doi": "10.1016/j.stemcr.2018.01.029",
    }


def test_bibtex_authors_are_joined_with_and_family_name_first(client, follow_up):
    _, _, fields = parse_bibtex(client.get(BIB).content.decode())

    assert fields["author"] == (
        "Wang, Dandan and Zhang, Huayong and Liang, Jun and Gilkeson, Gary S. and Sun, Lingyun"
    )


def test_bibtex_page_ranges_use_a_double_dash(client, follow_up):
    _, _, fields = parse_bibtex(client.get(BIB).content.decode())

    assert fields["pages"] == "933--941"


def test_an_ampersand_in_the_journal_is_escaped_in_bibtex(client, make_study):
    make_study(slug="art", journal="Arthritis Research & Therapy")

    _, _, fields = parse_bibtex(client.get("/research/art/cite.bib").content.decode())

    assert fields["journal"] == r"Arthritis Research \& Therapy"


def test_braces_and_special_characters_in_a_title_are_escaped_in_bibtex(client, make_study):
    make_study(slug="odd-title", title="Cells {and} 100% of $costs & more_things #1")

    _, _, fields = parse_bibtex(client.get("/research/odd-title/cite.bib").content.decode())

    assert fields["title"] == r"{Cells \{and\} 100\% of \$costs \& more\_things \#1}"


def test_an_unbalanced_brace_in_a_title_does_not_break_the_bibtex_entry(client, make_study):
    make_study(slug="unbalanced", title="Half } a {{ title")

    _, _, fields = parse_bibtex(client.get("/research/unbalanced/cite.bib").content.decode())

    assert fields["title"] == r"{Half \} a \{\{ title}"


# The model logic behind the lists, the chart and the citations.


def finding(value="84 %", count=""):
    return KeyFinding(label="Alive after 5 years", value=value, count=count)


@pytest.mark.parametrize(
    ("value", "count", "percent"),
    [
        ("84 %", "68/81", 84.0),
        ("anything", " 9 / 12 ", 75.0),
        ("92.5 %", "", 92.5),
        ("100 %", "", 100.0),
        ("0 %", "0/40", 0.0),
        ("1.5 times", "", None),
        ("from 10 to 4", "", None),
        ("120 %", "", None),
        ("a lot", "9/5", None),
    ],
)
def test_a_findings_bar_is_its_share_in_percent(value, count, percent):
    assert finding(value, count).bar_percent == percent


@pytest.mark.parametrize(
    ("count", "text"),
    [("68/81", "68 of 81"), (" 68 / 81 ", "68 of 81"), ("", ""), ("about half", "about half")],
)
def test_a_findings_count_is_written_out(count, text):
    assert finding(count=count).count_text == text


@pytest.mark.parametrize("count", ["", "68/81", "0/5", "5/5"])
def test_a_sensible_count_is_accepted(count):
    finding(count=count).clean()


@pytest.mark.parametrize("count", ["68 of 81", "68", "68/81/100", "-1/5", "9/5"])
def test_a_malformed_or_impossible_count_is_rejected(count):
    with pytest.raises(ValidationError) as error:
        finding(count=count).clean()

    assert "count" in error.value.message_dict


@pytest.mark.parametrize(
    ("authors", "short"),
    [
        ("Wang, Dandan", "Wang D"),
        ("Wang, Dandan\nLi, Jing", "Wang D, Li J"),
        ("Wang, Dandan\nLi, Jing\nZhang, Yu", "Wang D, Li J, Zhang Y"),
        ("Wang, Dandan\nLi, Jing\nZhang, Yu\nSun, Lingyun", "Wang D, Li J, … Sun L"),
        (
            "Wang, Dandan\nZhang, Huayong\nLiang, Jun\nGilkeson, Gary S.\nSun, Lingyun",
            "Wang D, Zhang H, … Sun L",
        ),
        ("Gilkeson, Gary S.\nLim, Teck Onn", "Gilkeson GS, Lim TO"),
        ("\n  Wang, Dandan  \n\nLi, Jing\n", "Wang D, Li J"),
    ],
)
def test_the_short_author_list(authors, short):
    assert Study(authors=authors).short_authors == short


@pytest.mark.parametrize(
    ("fields", "citation"),
    [
        (
            {"volume": "10", "issue": "3", "pages": "933-941"},
            "Stem Cell Reports 2018;10(3):933-941",
        ),
        ({"volume": "10", "pages": "933-941"}, "Stem Cell Reports 2018;10:933-941"),
        ({"volume": "10", "issue": "3"}, "Stem Cell Reports 2018;10(3)"),
        ({"pages": "e123"}, "Stem Cell Reports 2018:e123"),
        ({}, "Stem Cell Reports 2018"),
    ],
)
def test_the_one_line_citation(fields, citation):
    assert Study(journal="Stem Cell Reports", year=2018, **fields).citation == citation
