import pytest

from tests.clinic.content_files import ContentFolder


@pytest.fixture
def content(tmp_path):
    """An empty content/ folder to write files into."""
    return ContentFolder(tmp_path / "content")
