"""Officers type the request fields; nothing they type may reach the network, the disk or the markup."""

from __future__ import annotations

import re

import pytest

from demo.letter_samples import sample_decision, sample_letter_content, sample_rejection_content, sample_target
from disclosure.records import RefusedItem, RuleFinding
from letters import rendering
from letters.content import AskedTarget, DocumentDigest
from letters.fetcher import FetchRefused, StaticOnlyFetcher, letters_static_dir
from letters.rendering import letter_render
from tests.letters.conftest import pdf_text

METADATA_URL = '<img src="http://169.254.169.254/latest/meta-data/">'
PASSWD_IMAGE = '<img src="file:///etc/passwd">'
PASSWD_STYLESHEET = '<link rel="stylesheet" href="file:///etc/passwd">'
CSS_IMPORT = "<style>@import url(http://169.254.169.254/x.css); body { background: url(file:///etc/shadow) }</style>"
TEMPLATE_SYNTAX = "{{ settings.SECRET_KEY }} {% now 'Y' %}"
SCRIPT = "<script>document.write('owned')</script><iframe src=http://example.com/>"

HOSTILE_VALUES = [METADATA_URL, PASSWD_IMAGE, PASSWD_STYLESHEET, CSS_IMPORT, TEMPLATE_SYNTAX, SCRIPT]


class RecordingFetcher(StaticOnlyFetcher):
    """The real fetcher, remembering every URL WeasyPrint asked it for."""

    asked: list[str] = []

    def fetch(self, url, headers=None):
        RecordingFetcher.asked.append(url)
        return super().fetch(url, headers)


@pytest.fixture
def recording_fetcher(monkeypatch):
    RecordingFetcher.asked = []
    monkeypatch.setattr(rendering, "StaticOnlyFetcher", RecordingFetcher)
    return RecordingFetcher


def hostile_content(value: str, *, rejection: bool = False):
    fields = {
        "case_number": value,
        "issuing_authority_name": value,
        "agency_name": value,
        "asked_targets": (AskedTarget(target_id=1, target_type="username", display_value=value),),
        "documents": (DocumentDigest(name=value, sha256="cd" * 32),),
    }
    if rejection:
        return sample_rejection_content(
            failing_rules=(RuleFinding(rule="x", message=value, citation=value),), rejection_reasons=(value,), **fields
        )
    target = sample_target(
        events=3, target_value=value, categories=("phone_number", "ip_addresses", "subscriber_profile")
    )
    target = type(target)(**{**target.__dict__, "profile": {"display_name": value, value: "key"}})
    decision = sample_decision(
        targets=(target,),
        outcome="partially_disclosed",
        refused=(RefusedItem(what=value, reason=value),),
        reasons=(value,),
    )
    return sample_letter_content(decision=decision, **fields)


@pytest.mark.parametrize("value", HOSTILE_VALUES)
@pytest.mark.parametrize("rejection", [False, True])
def test_hostile_request_values_fetch_nothing_and_print_as_text(value, rejection, recording_fetcher):
    rendered = letter_render(hostile_content(value, rejection=rejection))

    fetched = {url.rsplit("/", 1)[-1] for url in recording_fetcher.asked}
    assert fetched == {"letter.css"}
    assert all(url.startswith(letters_static_dir().as_uri()) for url in recording_fetcher.asked)
    # Shown literally, as text (table cells may wrap it, hence the whitespace-blind comparison).
    assert re.sub(r"\s+", "", value) in re.sub(r"\s+", "", pdf_text(rendered.pdf))


def test_the_fetcher_serves_the_letter_stylesheet():
    fetcher = StaticOnlyFetcher()

    response = fetcher.fetch(fetcher.base_url + "letter.css")

    assert b"@page" in response.read()


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/letter.css",
        "ftp://example.com/x",
        "data:text/css,body{}",
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://evil.example/etc/passwd",
    ],
)
def test_the_fetcher_refuses_everything_but_its_own_folder(url):
    with pytest.raises(FetchRefused):
        StaticOnlyFetcher().fetch(url)


def test_the_fetcher_refuses_paths_that_climb_out_of_its_folder():
    fetcher = StaticOnlyFetcher()

    with pytest.raises(FetchRefused):
        fetcher.fetch(fetcher.base_url + "../../lawreq/settings.py")
    with pytest.raises(FetchRefused):
        fetcher.fetch(fetcher.base_url + "%2e%2e/%2e%2e/lawreq/settings.py")


def test_the_fetcher_refuses_a_symlink_that_leads_out(tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "escape.css").symlink_to("/etc/passwd")
    fetcher = StaticOnlyFetcher(root=tmp_path / "static")

    with pytest.raises(FetchRefused):
        fetcher.fetch(fetcher.base_url + "escape.css")
