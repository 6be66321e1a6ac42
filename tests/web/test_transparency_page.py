"""The public transparency page and its signed files, anonymously: every figure on the page is the
published dataset's, the files are the stored bytes, the signatures verify with OpenSSL against the
served key (and a flipped byte does not), nothing internal leaks, and the page throttles and
answers before the first publication."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from html.parser import HTMLParser

import orjson
import pytest
from cryptography.hazmat.primitives import serialization

from audit.checkpoints import checkpoint_parse
from audit.keys import checkpoint_signing_key, key_id, public_key_pem
from audit.models import AuditCheckpoint
from audit.services import audit_checkpoint_create, audit_sequence
from demo.audit_history import audit_bulk_append, synthetic_history_rows, synthetic_requests
from reports.transparency import transparency_publish
from requests_app.choices import ProcessType

pytestmark = pytest.mark.django_db

FILES = {
    "data.json": ("data_json", "application/json"),
    "data.csv": ("data_csv", "text/csv; charset=utf-8"),
    "data.json.sig": ("data_json_signature", "application/octet-stream"),
    "data.csv.sig": ("data_csv_signature", "application/octet-stream"),
}
REF = re.compile(r"LR-\d{4}-\d{6}")


class Tables(HTMLParser):
    """The page's tables by id: each row a list of (data-figure, text) cells; and the text of the
    elements with an id."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[tuple[str, str]]]] = {}
        self.texts: dict[str, str] = {}
        self._table = None
        self._cell = None
        self._open_ids: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag == "td" and self._table is not None:
            self._cell = [attrs.get("data-figure", ""), ""]
        if tag in ("dd", "code", "h2", "p") and attrs.get("id"):
            self._open_ids.append((tag, attrs["id"]))
            self.texts[attrs["id"]] = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "td" and self._cell is not None:
            self._table[-1].append((self._cell[0], self._cell[1].strip()))
            self._cell = None
        if self._open_ids and self._open_ids[-1][0] == tag:
            self._open_ids.pop()

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data
        for _tag, element_id in self._open_ids:
            self.texts[element_id] += data


def parsed(response) -> Tables:
    tables = Tables()
    tables.feed(response.content.decode())
    return tables


def count(value) -> str:
    return f"{value:,}"


def hours(value) -> str:
    return "—" if value is None else f"{value:,}"


def rows_by_country(table: list[list[tuple[str, str]]]) -> dict[str, dict[str, str]]:
    return {cells[0][1]: dict(cells[1:]) for cells in table if cells and len(cells) > 1}


@pytest.fixture
def published(officer_a, analyst, in_review_factory):
    """Two years of generated requests in eight countries, one real request handled by named
    colleagues, a signed checkpoint and the publication made from it."""
    history = synthetic_requests(
        600, start=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), end=dt.datetime(2026, 11, 15, tzinfo=dt.UTC), seed=16
    )
    audit_bulk_append(synthetic_history_rows(history))
    in_review_factory(officer_a)
    audit_sequence()
    audit_checkpoint_create()
    return transparency_publish()


def dataset_of(publication) -> dict:
    return orjson.loads(bytes(publication.data_json))


def test_an_anonymous_reader_sees_every_figure_of_each_period_as_published(client, published):
    dataset = dataset_of(published)
    assert len(dataset["periods"]) >= 8  # quarters and half-years of two years
    for period in dataset["periods"]:
        # when
        response = client.get("/transparency/", {"period": period["period"]})

        # then
        assert response.status_code == 200
        page = parsed(response)
        assert page.texts["period-heading"].strip().startswith(str(int(period["period"][:4])))
        answers = rows_by_country(page.tables["figures-answers"])
        kinds = rows_by_country(page.tables["figures-kinds"])
        process_types = rows_by_country(page.tables["figures-process-types"])
        rows = [*period["jurisdictions"], {**period["total"], "name": "All countries"}]
        assert set(answers) == {row["name"] for row in rows}
        for row in rows:
            shown = {**answers[row["name"]], **kinds[row["name"]]}
            for figure, value in row.items():
                if figure in ("jurisdiction", "name", "by_process_type"):
                    continue
                assert shown[figure] == count(value), (period["period"], row["name"], figure)
            codes = {code for other in rows for code in other["by_process_type"]}
            for code in codes:
                value = row["by_process_type"].get(code, 0)  # the dataset leaves a row's zeros out
                assert process_types[row["name"]][f"process_type:{code}"] == count(value)


def test_the_response_times_on_the_page_are_the_datasets(client, published):
    dataset = dataset_of(published)
    names = {row["jurisdiction"]: row["name"] for period in dataset["periods"] for row in period["jurisdictions"]}
    answered = {row["period"] for row in dataset["response_times"]}
    for code in sorted(answered)[-3:]:
        page = parsed(client.get("/transparency/", {"period": code}))
        for emergency, suffix in ((False, ""), (True, "-emergency")):
            shown = {
                (cells[0][1], cells[1][1]): dict(cells[2:])
                for table_id in (f"response-times{suffix}", f"response-times-by-process{suffix}")
                for cells in page.tables[table_id]
                if cells and len(cells) > 2
            }
            expected = [row for row in dataset["response_times"] if row["period"] == code]
            expected = [row for row in expected if row["emergency"] is emergency]
            assert len(shown) == len(expected)
            for row in expected:
                country = "All countries" if row["jurisdiction"] == "total" else names[row["jurisdiction"]]
                process = "All kinds" if row["process_type"] == "all" else ProcessType(row["process_type"]).label
                cells = shown[(country, process)]
                assert cells["answered"] == count(row["answered"])
                assert cells["median_hours"] == hours(row["median_hours"])
                assert cells["p90_hours"] == hours(row["p90_hours"])


def test_the_page_names_the_checkpoint_and_links_every_file(client, published):
    dataset = dataset_of(published)

    response = client.get("/transparency/")

    page = parsed(response)
    assert (
        page.texts["checkpoint-tree-size"].strip()
        == str(published.tree_size)
        == str(dataset["checkpoint"]["tree_size"])
    )
    assert page.texts["checkpoint-root-hash"].strip() == published.root_hash == dataset["checkpoint"]["root_hash"]
    content = response.content.decode()
    for name in [*FILES, "key.pem", "checkpoint.json"]:
        assert f'href="/transparency/{name}"' in content
    assert "openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in data.json -sigfile data.json.sig" in content
    assert "transparency_check data.json" in content
    # the figure is proven against the published dataset, not by the proofs alone
    assert "transparency_check data.json --signature data.json.sig --verify-proofs proofs.json" in content
    # Both charts, each titled for a screen reader and drawn for a phone too.
    assert content.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == 4
    assert content.count("<desc>") == 4


def test_the_default_period_is_the_latest_complete_quarter(client, published):
    dataset = dataset_of(published)
    complete = [period for period in dataset["periods"] if period["kind"] == "quarter" and period["complete"]]
    latest = max(complete, key=lambda period: period["end"])

    response = client.get("/transparency/")

    assert f'data-period="{latest["period"]}"' in response.content.decode()


def test_the_files_are_the_stored_bytes_with_their_types_and_etags(client, published):
    for name, (field, content_type) in FILES.items():
        # when
        response = client.get(f"/transparency/{name}")

        # then
        assert response.status_code == 200
        assert response.content == bytes(getattr(published, field))
        assert response["Content-Type"] == content_type
        assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
        again = client.get(f"/transparency/{name}", HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304 and again.content == b""


def test_the_checkpoint_and_the_key_are_the_ones_that_signed(client, published):
    checkpoint = client.get("/transparency/checkpoint.json")
    key = client.get("/transparency/key.pem")

    stored = AuditCheckpoint.objects.get(tree_size=published.tree_size, merkle_root=published.root_hash)
    assert checkpoint.status_code == 200 and checkpoint["Content-Type"] == "application/json"
    assert checkpoint.content == stored.document.encode()
    document = orjson.loads(checkpoint.content)
    assert document["tree_size"] == published.tree_size and document["merkle_root"] == published.root_hash
    public_key = serialization.load_pem_public_key(key.content)
    assert key_id(public_key) == published.key_id == document["key_id"]
    # The served checkpoint is one an auditor checks offline with the served key.
    parsed_checkpoint = checkpoint_parse(checkpoint.content, trusted_key=public_key)
    assert parsed_checkpoint.tree_size == published.tree_size


def openssl_verifies(tmp_path, data: bytes, signature: bytes, key: bytes) -> bool:
    (tmp_path / "data").write_bytes(data)
    (tmp_path / "data.sig").write_bytes(signature)
    (tmp_path / "key.pem").write_bytes(key)
    result = subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            str(tmp_path / "key.pem"),
            "-rawin",
            "-in",
            str(tmp_path / "data"),
            "-sigfile",
            str(tmp_path / "data.sig"),
        ],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0 and b"Signature Verified Successfully" in result.stdout


@pytest.mark.parametrize("name", ["data.json", "data.csv"])
def test_the_served_signature_verifies_with_openssl_and_a_flipped_byte_does_not(client, published, tmp_path, name):
    data = client.get(f"/transparency/{name}").content
    signature = client.get(f"/transparency/{name}.sig").content
    key = client.get("/transparency/key.pem").content

    assert openssl_verifies(tmp_path, data, signature, key)
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x01
    assert not openssl_verifies(tmp_path, bytes(flipped), signature, key)


def test_before_any_publication_the_page_says_so_and_the_files_are_404(client):
    response = client.get("/transparency/")

    assert response.status_code == 200
    assert "Nothing published yet" in response.content.decode()
    for name in [*FILES, "key.pem", "checkpoint.json"]:
        assert client.get(f"/transparency/{name}").status_code == 404


def test_an_unknown_file_or_period_is_refused_without_a_500(client, published):
    assert client.get("/transparency/secrets.txt").status_code == 404
    response = client.get("/transparency/", {"period": "2026-Q9"})
    assert response.status_code == 400
    page = parsed(response)
    assert "no such period" in page.texts["transparency-error"]
    assert "figures-answers" in page.tables  # the default period is still shown


def test_nothing_internal_reaches_the_page_or_the_files(client, published, officer_a, analyst):
    dataset = dataset_of(published)
    published_texts = [client.get(f"/transparency/{name}").content for name in ("data.json", "data.csv")]
    published_texts.append(client.get("/transparency/checkpoint.json").content)
    published_texts += [client.get("/transparency/", {"period": p["period"]}).content for p in dataset["periods"]]
    for content in published_texts:
        text = content.decode()
        assert not REF.search(text)
        for user in (officer_a, analyst):
            assert user.get_username() not in text
            assert user.email not in text


def test_the_page_and_files_are_throttled_per_address_with_429(client, published, monkeypatch):
    from web.views.transparency import TransparencyThrottle

    monkeypatch.setattr(TransparencyThrottle, "rate", "2/min")
    assert client.get("/transparency/").status_code == 200
    assert client.get("/transparency/data.json").status_code == 200
    throttled = client.get("/transparency/")
    assert throttled.status_code == 429 and "try again in a minute" in throttled.content.decode()
    assert client.get("/transparency/data.json").status_code == 429


def test_a_new_publication_replaces_the_cached_page(client, published, officer_b, in_review_factory):
    first = parsed(client.get("/transparency/")).texts["checkpoint-tree-size"].strip()
    in_review_factory(officer_b)
    audit_sequence()
    audit_checkpoint_create()
    second = transparency_publish()

    now = parsed(client.get("/transparency/")).texts["checkpoint-tree-size"].strip()

    assert first == str(published.tree_size)
    assert now == str(second.tree_size) != first
    assert client.get("/transparency/data.json").content == bytes(second.data_json)


def test_the_login_page_and_the_footer_link_the_transparency_page(client):
    content = client.get("/accounts/login/").content.decode()
    assert content.count('href="/transparency/"') == 2  # the login panel and the footer


def test_the_cached_page_is_kept_per_language(client, published):
    english = client.get("/transparency/", {"period": "2026-Q3"}).content.decode()
    french = client.get("/transparency/", {"period": "2026-Q3"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "July to September" in english
    assert "juillet" in french and "July to September" not in french


def test_one_country_over_time_shows_its_figures_of_each_period(client, published):
    dataset = dataset_of(published)
    quarters = sorted((p for p in dataset["periods"] if p["kind"] == "quarter"), key=lambda p: p["start"])
    france = {p["period"]: next(r for r in p["jurisdictions"] if r["jurisdiction"] == "FR") for p in quarters}

    response = client.get("/transparency/", {"period": quarters[-1]["period"], "country": "FR"})

    assert response.status_code == 200
    assert "<title>France, quarter by quarter</title>" in response.content.decode()
    shown = parsed(response).tables["figures-over-time"]
    lines = [cells for cells in shown if cells]
    assert [cells[0][1] for cells in lines] == [f"{p['period'][5:]} {p['period'][:4]}" for p in quarters]
    for cells, quarter in zip(lines, quarters, strict=True):
        for figure, text in cells[1:]:
            assert text == count(france[quarter["period"]][figure]), (quarter["period"], figure)


def test_an_unknown_country_is_refused_with_400(client, published):
    response = client.get("/transparency/", {"country": "XX"})
    assert response.status_code == 400
    assert "No figures were published for that country" in parsed(response).texts["transparency-error"]


def test_after_the_checkpoint_key_changes_the_publications_own_key_is_still_served(
    client, published, settings, tmp_path
):
    signing_key = public_key_pem(checkpoint_signing_key().public_key())
    settings.AUDIT_CHECKPOINT_KEY = str(tmp_path / "rotated-checkpoint-key.pem")
    assert public_key_pem(checkpoint_signing_key().public_key()) != signing_key

    key = client.get("/transparency/key.pem")

    assert key.status_code == 200 and key.content == signing_key
    for name in ("key.pem", "data.json", "data.json.sig"):
        (tmp_path / name).write_bytes(client.get(f"/transparency/{name}").content)
    verified = subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "key.pem",
            "-rawin",
            "-in",
            "data.json",
            "-sigfile",
            "data.json.sig",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_publication_without_any_request_yet_is_a_page_not_a_500(client, analyst):
    from audit.actions import AuditAction
    from audit.services import audit_record

    audit_record(action=AuditAction.REPORT_EXPORTED, actor=analyst, details={"report": "activity"})
    audit_sequence()
    audit_checkpoint_create()
    publication = transparency_publish()
    assert dataset_of(publication)["periods"] == []

    response = client.get("/transparency/")

    assert response.status_code == 200
    page = parsed(response)
    assert page.texts["checkpoint-tree-size"].strip() == str(publication.tree_size)
    assert "figures-answers" not in page.tables and "period-select" not in page.ids
    assert "No request had been received" in page.texts["no-period"]


def test_the_downloaded_files_are_enough_to_check_the_dataset_and_prove_a_figure(client, published, tmp_path):
    from tests.audit.test_transparency import run_check

    files = {}
    for name in ("data.json", "data.json.sig", "key.pem", "checkpoint.json"):
        files[name] = tmp_path / name
        files[name].write_bytes(client.get(f"/transparency/{name}").content)
    period = client.get("/transparency/").content.decode().split('data-period="')[1].split('"')[0]
    proofs = tmp_path / "proofs.json"

    checked = run_check(files["data.json"], "--signature", files["data.json.sig"], "--public-key", files["key.pem"])
    proved = run_check(files["data.json"], "--prove", period, "FR", "received", "--out", proofs)
    offline = run_check(
        files["data.json"],
        "--signature",
        files["data.json.sig"],
        "--verify-proofs",
        proofs,
        "--checkpoint",
        files["checkpoint.json"],
        "--public-key",
        files["key.pem"],
    )

    assert checked[0] == 0, checked[1]
    assert proved[0] == 0, proved[1]
    assert offline[0] == 0 and "Figure proven" in offline[1], offline[1]
