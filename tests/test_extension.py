"""The site's Sphinx extension: launch links, macros for LaTeX."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import course_site  # noqa: E402


def test_launch_links_only_for_a_github_repository():
    links = course_site.launch_links(
        {"repository_url": "https://github.com/team/mse-gradient.git", "repository_branch": "main"}, "learning.ipynb"
    )
    assert links == [
        ("Launch on Binder", "https://mybinder.org/v2/gh/team/mse-gradient/main?labpath=notebooks/learning.ipynb"),
        (
            "Open in Colab",
            "https://colab.research.google.com/github/team/mse-gradient/blob/main/notebooks/learning.ipynb",
        ),
    ]
    assert course_site.launch_links({"repository_url": ""}, "learning.ipynb") == []
    assert course_site.launch_links({}, "learning.ipynb") == []
    assert course_site.launch_links({"repository_url": "https://gitlab.com/a/b"}, "x.ipynb") == []


@pytest.mark.site
def test_no_launch_button_without_a_repository_url(site_dir):
    import yaml

    assert not yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    for page in (site_dir / "book").glob("*.html"):
        html = page.read_text()
        assert "mybinder.org" not in html and "colab.research.google.com" not in html, page.name
