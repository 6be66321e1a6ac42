"""The French and German catalogues: complete (nothing untranslated, nothing fuzzy, formats that
match), and the committed .mo files compiled from the committed .po files. Uses GNU gettext's msgfmt
(the `gettext` system package, in the Makefile's SYSTEM_PACKAGES)."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

LOCALES = [lang for lang, _name in settings.LANGUAGES if lang != settings.LANGUAGE_CODE]
CATALOGUE = Path(settings.LOCALE_PATHS[0])


def po_path(language: str) -> Path:
    return CATALOGUE / language / "LC_MESSAGES" / "django.po"


def msgfmt(*args: str) -> subprocess.CompletedProcess:
    assert shutil.which("msgfmt"), "msgfmt is missing: `make system-deps` installs gettext"
    return subprocess.run(["msgfmt", *args], capture_output=True, text=True, check=False)


def test_french_and_german_are_shipped():
    assert {"fr", "de"} <= set(LOCALES)


@pytest.mark.parametrize("language", LOCALES)
def test_the_catalogue_is_complete(language):
    checked = msgfmt("--check", "--statistics", "-o", "/dev/null", str(po_path(language)))

    assert checked.returncode == 0, checked.stderr  # formats (%(name)s, {name}) agree with the English
    statistics = checked.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages\.", statistics), statistics  # no fuzzy, no untranslated
    assert "#, fuzzy" not in po_path(language).read_text()


@pytest.mark.parametrize("language", LOCALES)
def test_the_compiled_catalogue_is_the_committed_one_compiled(language, tmp_path):
    fresh = tmp_path / "django.mo"
    compiled = msgfmt("--check", "-o", str(fresh), str(po_path(language)))
    assert compiled.returncode == 0, compiled.stderr

    committed = po_path(language).with_suffix(".mo")
    with fresh.open("rb") as handle:
        expected = gettext.GNUTranslations(handle)._catalog
    with committed.open("rb") as handle:
        shipped = gettext.GNUTranslations(handle)._catalog
    assert shipped == expected, f"run `manage.py compilemessages` and commit {committed}"
