"""The auditors' response-times page: median and 90th percentile per jurisdiction and process type,
emergencies in their own table, for a quarter or a half-year, with its CSV and PDF; for auditors only."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from demo.audit_history import audit_bulk_append, synthetic_history_rows, synthetic_requests
from reports.transparency import response_time_report
from requests_app.choices import ProcessType
from tests.web.test_transparency_page import Tables, count, hours

pytestmark = pytest.mark.django_db

PAGE = "/audit/reports/response-times/"


@pytest.fixture
def answered_history():
    requests = synthetic_requests(
        500, start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), end=dt.datetime(2026, 9, 30, tzinfo=dt.UTC), seed=61
    )
    audit_bulk_append(synthetic_history_rows(requests))
    return requests


def shown_rows(response, table_id: str) -> dict[tuple[str, str], dict[str, str]]:
    tables = Tables()
    tables.feed(response.content.decode())
    return {(cells[0][1], cells[1][1]): dict(cells[2:]) for cells in tables.tables[table_id] if len(cells) > 2}


@pytest.mark.parametrize(("period", "arguments"), [("Q2", {"quarter": 2}), ("H1", {"half": 1})])
def test_the_auditor_reads_the_response_times_of_a_period_emergencies_apart(
    client_for, auditor, answered_history, period, arguments
):
    report = response_time_report(year=2026, **arguments)
    assert any(row["emergency"] for row in report["rows"]) and any(not row["emergency"] for row in report["rows"])

    response = client_for(auditor).get(PAGE, {"year": 2026, "period": period})

    assert response.status_code == 200
    for emergency, table_id in ((False, "response-times"), (True, "response-times-emergency")):
        shown = shown_rows(response, table_id)
        expected = [row for row in report["rows"] if row["emergency"] is emergency]
        assert len(shown) == len(expected)
        for row in expected:
            country = "All countries" if row["jurisdiction"] == "total" else row["name"]
            process = "All kinds" if row["process_type"] == "all" else ProcessType(row["process_type"]).label
            cells = shown[(country, process)]
            assert cells["answered"] == count(row["answered"])
            assert cells["median_hours"] == hours(row["median_hours"])
            assert cells["p90_hours"] == hours(row["p90_hours"])


def test_the_page_downloads_the_same_report_as_csv_and_pdf(client_for, auditor, answered_history):
    client = client_for(auditor)
    page = client.get(PAGE, {"year": 2026, "period": "Q3"}).content.decode()

    links = dict(re.findall(r'<a class="button[^"]*" href="([^"]+)" download>Download (CSV|PDF)</a>', page))
    by_format = {kind: href.replace("&amp;", "&") for href, kind in links.items()}
    assert "quarter=3" in by_format["CSV"] and "year=2026" in by_format["CSV"]
    csv_response = client.get(by_format["CSV"])
    assert csv_response.status_code == 200 and b"median_hours" in csv_response.content
    assert client.get(by_format["PDF"]).content.startswith(b"%PDF")


@pytest.mark.parametrize("who", ["officer_a", "analyst", "reviewer"])
def test_only_auditors_see_the_response_times(client_for, request, who):
    user = request.getfixturevalue(who)
    assert client_for(user).get(PAGE).status_code == 403


def test_a_period_out_of_range_is_a_form_error_not_a_500(client_for, auditor):
    response = client_for(auditor).get(PAGE, {"year": 1999, "period": "Q5"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "has-error" in content and "Download CSV" not in content


def test_the_reports_list_offers_response_times_and_the_public_page(client_for, auditor):
    content = client_for(auditor).get("/audit/reports/").content.decode()
    assert 'href="/audit/reports/response-times/"' in content
    assert 'href="/transparency/"' in content


def test_an_empty_grouped_chart_has_room_for_its_message():
    from reports.rendering import grouped_bar_chart_svg

    svg = grouped_bar_chart_svg([], series=[("Median", "#1d4f8f"), ("Nine in ten", "#8fb3e0")], title="Hours")

    height = float(re.search(r'height="([\d.]+)"', svg).group(1))
    message_y = float(re.search(r'<text x="0" y="([\d.]+)">Nothing to show in this period.</text>', svg).group(1))
    assert message_y + 3 <= height  # the baseline and the descenders inside the drawing
