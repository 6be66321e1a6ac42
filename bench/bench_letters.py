"""Response letters: render + sign time and peak memory by number of IP events, next to two peers.

    .venv/bin/python bench/bench_letters.py           # 10, 1,000 and 10,000 events
    .venv/bin/python bench/bench_letters.py --full    # and 100,000 (plain WeasyPrint at 100,000 too)

For each size, in a fresh subprocess each (so peak RSS is that job's alone), on the same rows:
- ours: the letter (WeasyPrint) + annex (ReportLab grid) + CSV/JSON attachments, joined with pypdf,
  then PAdES-signed with the cached signer;
- ReportLab peer: the rows as ReportLab platypus tables of 500 rows (the issue's linear anchor);
- plain WeasyPrint: the same letter HTML with the rows as one HTML table (the naive approach).
Then: signing time of a one-page letter (ours, and pyHanko as shipped), and verification time.

No database is touched: signing keys go to a temporary folder.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
QUICK_SIZES = [10, 1_000, 10_000]
FULL_SIZES = [*QUICK_SIZES, 100_000]
PLAIN_WEASYPRINT_QUICK_LIMIT = 10_000
SUBPROCESS_TIMEOUT = 3600


def setup_django(keys_dir: str) -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawreq.settings")
    os.environ["LAWREQ_KEYS_DIR"] = keys_dir
    os.environ["LAWREQ_SIGNING_P12"] = str(Path(keys_dir) / "signing.p12")
    os.environ["LAWREQ_SIGNING_PASSPHRASE"] = "bench"
    os.environ["LAWREQ_TIMESTAMP_URL"] = ""
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(keys_dir) / 'bench.sqlite3'}")
    import django

    django.setup()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# One measurement, run in its own process.


def run_ours(size: int) -> dict:
    from letters.rendering import letter_render
    from letters.samples import sample_decision, sample_letter_content, sample_target
    from letters.signing import pdf_sign, signer_load

    target = sample_target(events=size)
    content = sample_letter_content(decision=sample_decision(targets=(target,)))
    signer_load()
    # One warm-up on a tiny letter: fonts, templates and the page-count hint, as in a running worker.
    letter_render(sample_letter_content(decision=sample_decision(targets=(sample_target(events=1),))))
    baseline = peak_rss_mb()
    started = time.perf_counter()
    rendered = letter_render(content)
    rendered_at = time.perf_counter()
    signed = pdf_sign(rendered.pdf, reason="bench")
    finished = time.perf_counter()
    return {
        "seconds": finished - started,
        "render_seconds": rendered_at - started,
        "sign_seconds": finished - rendered_at,
        "pages": rendered.pages,
        "bytes": len(signed),
        "peak_mb": peak_rss_mb(),
        "baseline_mb": baseline,
    }


def run_reportlab_peer(size: int) -> dict:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from letters.annex import format_timestamp
    from letters.samples import sample_ip_events

    events = sample_ip_events(size)
    baseline = peak_rss_mb()
    started = time.perf_counter()
    rows = [(str(n), format_timestamp(e.ts), e.ip, "" if e.port is None else str(e.port))
            for n, e in enumerate(events, 1)]
    style = TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
    ])
    story = []
    for start in range(0, len(rows), 500):
        table = Table([("No.", "Timestamp (UTC)", "IP address", "Port"), *rows[start:start + 500]], repeatRows=1)
        table.setStyle(style)
        story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    finished = time.perf_counter()
    return {"seconds": finished - started, "bytes": len(buffer.getvalue()), "peak_mb": peak_rss_mb(),
            "baseline_mb": baseline}


def run_plain_weasyprint(size: int) -> dict:
    from django.template.loader import render_to_string
    from django.utils.html import escape
    from weasyprint import HTML

    from letters.annex import format_timestamp
    from letters.fetcher import StaticOnlyFetcher
    from letters.rendering import TEMPLATES, check_records_within_approval, letter_context
    from letters.samples import sample_decision, sample_letter_content, sample_target

    target = sample_target(events=size)
    content = sample_letter_content(decision=sample_decision(targets=(target,)))
    fetcher = StaticOnlyFetcher()
    baseline = peak_rss_mb()
    started = time.perf_counter()
    counts = check_records_within_approval(content)
    html = render_to_string(TEMPLATES[content.kind], letter_context(content, counts=counts, letter_pages=1,
                                                                     annex_pages=0, attachments=[]))
    table = ["<h2>IP events</h2><table><tr><th>No.</th><th>Timestamp (UTC)</th><th>IP address</th><th>Port</th></tr>"]
    table += [f"<tr><td>{n}</td><td>{format_timestamp(e.ts)}</td><td class='mono'>{escape(e.ip)}</td>"
              f"<td>{'' if e.port is None else e.port}</td></tr>" for n, e in enumerate(target.ip_events, 1)]
    table.append("</table>")
    html = html.replace("</body>", "".join(table) + "</body>")
    pdf = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher).write_pdf()
    finished = time.perf_counter()
    return {"seconds": finished - started, "bytes": len(pdf), "peak_mb": peak_rss_mb(), "baseline_mb": baseline}


def run_signing(repeats: int = 30) -> dict:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from letters.rendering import letter_render
    from letters.samples import sample_rejection_content
    from letters.signing import SIGNATURE_FIELD, pdf_sign, signer_load
    from letters.verification import pdf_signature_check

    rendered = letter_render(sample_rejection_content())
    signer_load()
    pdf_sign(rendered.pdf, reason="warm-up")
    ours = []
    for _ in range(repeats):
        started = time.perf_counter()
        signed = pdf_sign(rendered.pdf, reason="bench")
        ours.append(time.perf_counter() - started)

    from django.conf import settings

    # pyHanko as shipped: the stock SimpleSigner (loaded once too), which parses its key again for every
    # signature, and no reserved size, so it signs a dry run first to measure the signature.
    signer = signers.SimpleSigner.load_pkcs12(settings.LAWREQ_SIGNING_P12,
                                              passphrase=settings.LAWREQ_SIGNING_PASSPHRASE.encode())
    metadata = signers.PdfSignatureMetadata(field_name=SIGNATURE_FIELD, md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES)
    shipped = []
    for _ in range(max(repeats // 3, 5)):
        started = time.perf_counter()
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(rendered.pdf)), metadata, signer=signer)
        shipped.append(time.perf_counter() - started)

    verify = []
    for _ in range(repeats):
        started = time.perf_counter()
        assert pdf_signature_check(signed).ok
        verify.append(time.perf_counter() - started)
    return {
        "pages": rendered.pages,
        "sign_ms": statistics.median(ours) * 1000,
        "sign_ms_min": min(ours) * 1000,
        "shipped_sign_ms": statistics.median(shipped) * 1000,
        "verify_ms": statistics.median(verify) * 1000,
    }


def run_verify_large(size: int, repeats: int = 5) -> dict:
    from letters.rendering import letter_render
    from letters.samples import sample_letter_content
    from letters.signing import pdf_sign
    from letters.verification import pdf_signature_check

    signed = pdf_sign(letter_render(sample_letter_content(events=size)).pdf, reason="bench")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        assert pdf_signature_check(signed).ok
        times.append(time.perf_counter() - started)
    return {"verify_ms": statistics.median(times) * 1000, "bytes": len(signed)}


JOBS = {
    "ours": run_ours,
    "reportlab": run_reportlab_peer,
    "weasyprint": run_plain_weasyprint,
    "signing": lambda size: run_signing(),
    "verify": run_verify_large,
}


def child(job: str, size: int, keys_dir: str) -> None:
    setup_django(keys_dir)
    from letters.keys import signing_key_init

    signing_key_init()
    print(json.dumps(JOBS[job](size)))


def measure(job: str, size: int, keys_dir: str) -> dict | None:
    command = [sys.executable, __file__, "--child", job, str(size), keys_dir]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"over {SUBPROCESS_TIMEOUT} s"}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def cell(result: dict | None, key: str = "seconds", fmt: str = "{:.2f} s") -> str:
    if result is None:
        return "skipped"
    if "error" in result:
        return result["error"][:30]
    return fmt.format(result[key])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="add 100,000 events (and plain WeasyPrint above 10,000)")
    parser.add_argument("--sizes", type=lambda text: [int(n) for n in text.split(",")], default=None,
                        help="comma-separated event counts instead of the defaults")
    parser.add_argument("--child", nargs=3, metavar=("JOB", "SIZE", "KEYS_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2])
        return

    sizes = args.sizes or (FULL_SIZES if args.full else QUICK_SIZES)
    with tempfile.TemporaryDirectory(prefix="bench-letters-") as keys_dir:
        print(f"Response letters, {os.cpu_count()} CPUs; each figure from a fresh process (peak RSS incl. "
              f"Python + Django).")
        header = (f"{'events':>8} | {'ours total':>10} {'render':>8} {'sign':>7} {'peak':>7} {'pages':>6} | "
                  f"{'RL peer':>8} {'peak':>7} | {'plain WP':>9} {'peak':>8} | {'ours/RL':>7}")
        print(header)
        print("-" * len(header))
        for size in sizes:
            ours = measure("ours", size, keys_dir)
            peer = measure("reportlab", size, keys_dir)
            plain = None
            if args.full or size <= PLAIN_WEASYPRINT_QUICK_LIMIT:
                plain = measure("weasyprint", size, keys_dir)
            ratio = ours["seconds"] / peer["seconds"] if "error" not in ours and "error" not in peer else float("nan")
            print(
                f"{size:>8,} | {cell(ours):>10} {cell(ours, 'render_seconds'):>8} "
                f"{cell(ours, 'sign_seconds', '{:.3f} s'):>7} {cell(ours, 'peak_mb', '{:.0f} MB'):>7} "
                f"{cell(ours, 'pages', '{:d}'):>6} | {cell(peer):>8} {cell(peer, 'peak_mb', '{:.0f} MB'):>7} | "
                f"{cell(plain):>9} {cell(plain, 'peak_mb', '{:.0f} MB'):>8} | {ratio:>6.2f}x",
                flush=True,
            )
        signing = measure("signing", 0, keys_dir)
        print()
        if "error" in signing:
            print(f"signing: {signing['error']}")
        else:
            print(f"Signing a {signing['pages']}-page letter: {signing['sign_ms']:.1f} ms median "
                  f"(min {signing['sign_ms_min']:.1f} ms); pyHanko as shipped (key parsed per signature, size "
                  f"measured by a dry run): {signing['shipped_sign_ms']:.1f} ms")
            print(f"Verifying it (signature, coverage, trust; without the database look-up): "
                  f"{signing['verify_ms']:.1f} ms median")
        large = measure("verify", 10_000, keys_dir)
        if "error" not in large:
            print(f"Verifying the 10,000-event letter ({large['bytes'] / 1e6:.1f} MB): "
                  f"{large['verify_ms']:.1f} ms median")


if __name__ == "__main__":
    main()
