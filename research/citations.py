"""A study's citation as RIS and BibTeX, for reference managers."""

import re

# BibTeX treats these as commands or groups; escaped so titles come through as written.
BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _one_line(text):
    return " ".join(str(text).split())


def ris(study):
    """RIS, as read by Zotero, EndNote and Mendeley; lines end in CRLF as the format asks."""
    lines = [("TY", "JOUR"), ("TI", study.title)]
    lines += [("AU", f"{family}, {given}".rstrip(", ")) for family, given in study.author_names]
    lines += [("JO", study.journal), ("PY", str(study.year))]
    if study.published_on:
        lines.append(("DA", study.published_on.strftime("%Y/%m/%d")))
    optional = [
        ("VL", study.volume),
        ("IS", study.issue),
        ("SP", study.first_page),
        ("EP", study.last_page),
        ("DO", study.doi),
        ("AN", f"PMID:{study.pmid}" if study.pmid else ""),
        ("UR", study.doi_url or study.url),
        ("AB", study.abstract),
    ]
    lines += [(tag, value) for tag, value in optional if value]
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in lines)


def bibtex_escape(text):
    return "".join(BIBTEX_SPECIAL.get(char, char) for char in _one_line(text))


def bibtex_key(study):
    family = study.author_names[0][0] if study.author_names else "anon"
    first_word = next((w for w in re.findall(r"[A-Za-z]+", study.title) if len(w) > 3), "study")
    return re.sub(r"[^A-Za-z0-9]", "", f"{family}{study.year}{first_word}").lower()


def bibtex(study):
    authors = " and ".join(
        f"{bibtex_escape(family)}, {bibtex_escape(given)}" if given else bibtex_escape(family)
        for family, given in study.author_names
    )
    fields = [
        ("author", authors),
        # Double braces keep capitals such as "SLE" as written.
        ("title", f"{{{bibtex_escape(study.title)}}}"),
        ("journal", bibtex_escape(study.journal)),
        ("year", str(study.year)),
        ("volume", bibtex_escape(study.volume)),
        ("number", bibtex_escape(study.issue)),
        ("pages", bibtex_escape("--".join(filter(None, [study.first_page, study.last_page])))),
        ("doi", study.doi),
        ("pmid", study.pmid),
        ("url", study.doi_url or study.url),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@article{{{bibtex_key(study)},\n{body}\n}}\n"
