from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic.content import ContentError, load_content


class Command(BaseCommand):
    help = "Create or update condition pages and study summaries from content/ Markdown files."

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=settings.CONTENT_DIR,
            help="Folder with conditions/ and research/.",
        )

    def handle(self, *args, path, **options):
        try:
            conditions, studies = load_content(path)
        except ContentError as error:
            raise CommandError(f"{error} Nothing was loaded.") from None
        for noun, tally in (("condition", conditions), ("study", studies)):
            for slug in tally.updated:
                self.stdout.write(
                    f"Updated {noun} {slug}: its file changed since it was last loaded."
                )
        self.stdout.write(conditions.summary("Conditions"))
        self.stdout.write(studies.summary("Studies"))
        self.stdout.write(conditions.translations.summary("Condition translations"))
        self.stdout.write(studies.translations.summary("Study translations"))
