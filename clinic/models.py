from django.db import models


class LoadedContent(models.Model):
    """Content that `load_content` keeps in step with a Markdown file in `content/`."""

    source_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 of the content file when it was last loaded.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
