"""Content folders for `load_content` tests: Markdown files with TOML front matter, written one
at a time, the command's output, and everything it may write."""

import datetime
import io
import json

from django.core.management import call_command

from conditions.models import Condition
from research.models import KeyFinding, Study


def toml(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | datetime.date):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml(item) for item in value) + "]"
    raise TypeError(value)


def document(fields, body, findings=()):
    lines = [f"{name} = {toml(value)}" for name, value in fields.items() if value is not None]
    for finding in findings:
        lines += ["", "[[findings]]"]
        lines += [f"{name} = {toml(value)}" for name, value in finding.items()]
    return "+++\n" + "\n".join(lines) + "\n+++\n" + body


CONDITION = {
    "name": "Lupus",
    "summary": "What lupus is, in one plain sentence.",
    "published": True,
    "order": 1,
    "last_reviewed": datetime.date(2026, 11, 20),
    "next_review_due": datetime.date(2027, 11, 20),
    "reviewed_by": "Clinic medical content team",
}
STUDY = {
    "title": "A multicenter clinical study",
    "authors": ["Wang, Dandan", "Li, Jing", "Sun, Lingyun"],
    "journal": "Arthritis Research & Therapy",
    "year": 2014,
    "published_on": datetime.date(2014, 3, 25),
    "volume": "16",
    "issue": "2",
    "pages": "R79",
    "doi": "10.1186/ar4520",
    "pmid": "24661633",
    "url": "https://arthritis-research.biomedcentral.com/articles/10.1186/ar4520",
    "design": "Single-arm study, no control group",
    "participants": 40,
    "conditions": ["lupus"],
    "published": True,
}
FINDINGS = [
    {"label": "Alive at the end of follow-up", "value": "92.5 %", "count": "37/40"},
    {"label": "Any response", "value": "60 %", "count": "24/40"},
]


class ContentFolder:
    """A content/ folder under tmp_path, written one file at a time."""

    def __init__(self, root):
        self.root = root
        (root / "conditions").mkdir(parents=True)
        (root / "research").mkdir()

    def condition(self, filename="lupus", body="## About\n\nSome text.\n", **fields):
        return self._write("conditions", filename, document({**CONDITION, **fields}, body))

    def study(self, filename="study-one", body="## What was done\n\nText.\n", findings=None, **f):
        findings = FINDINGS if findings is None else findings
        return self._write("research", filename, document({**STUDY, **f}, body, findings))

    def raw(self, kind, filename, content):
        return self._write(kind, filename, content)

    def _write(self, kind, filename, content):
        path = self.root / kind / f"{filename}.md"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def shown(self, path):
        """The file as the loader names it: relative to the folder above content/."""
        return str(path.relative_to(self.root.parent))


def load(path=None):
    out = io.StringIO()
    args = [] if path is None else [str(path)]
    call_command("load_content", *args, stdout=out)
    return out.getvalue()


def snapshot():
    """Everything load_content may write, for "nothing changed" checks."""
    return (
        list(Condition.objects.order_by("slug").values()),
        list(Study.objects.order_by("slug").values()),
        list(
            KeyFinding.objects.order_by("study__slug", "order").values(
                "study__slug", "label", "value", "count", "order"
            )
        ),
        sorted(Study.conditions.through.objects.values_list("study__slug", "condition__slug")),
    )
