"""Response letters: render + sign time and peak memory by number of IP events, next to two peers.

    .venv/bin/python bench/bench_letters.py           # 10, 1,000 and 10,000 events; then the worker's
                                                      # path at 10,000, 100,000 and 1,000,000 events
    .venv/bin/python bench/bench_letters.py --full    # and 100,000 (plain WeasyPrint at 100,000 too)
    .venv/bin/python bench/bench_letters.py --scale-only --scale-sizes 10000,100000,1000000

The worker's path ("scale" table): what the letter task does with a snapshot of that many events, from
its sealed envelope to the sealed signed letter: unseal, decode lazily, render (above
LAWREQ_LETTER_INLINE_RECORDS_MAX a summary, the records streamed into the attachments through
temporary files), sign file to file, read and seal the signed PDF for storage. "printed" is the
same with the threshold lifted, every event in the annex, as letters were before the threshold.

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
SCALE_SIZES = [10_000, 100_000, 1_000_000]
PRINTED_SCALE_LIMIT = 100_000  # the annex of every event, for comparison, up to this size
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
    os.environ.setdefault("LAWREQ_DATA_DIR", str(Path(keys_dir) / "data"))
    import django

    django.setup()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# One measurement, run in its own process.


def run_ours(size: int) -> dict:
    from django.conf import settings

    from demo.letter_samples import sample_decision, sample_letter_content, sample_target
    from letters.rendering import letter_render
    from letters.signing import pdf_sign, signer_load

    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = size + 1  # the annex of every event, as the peers draw
    target = sample_target(events=size)
    content = sample_letter_content(decision=sample_decision(targets=(target,)))
    signer_load()
    # One warm-up on a tiny letter: fonts, templates and the page-count hint, as in a running worker.
    letter_render(sample_letter_content(decision=sample_decision(targets=(sample_target(events=1),))))
    baseline = peak_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    rendered = letter_render(content)
    rendered_at = time.perf_counter()
    signed = pdf_sign(rendered.pdf, reason="bench")
    finished = time.perf_counter()
    return {
        "seconds": finished - started,
        "cpu_seconds": time.process_time() - cpu_started,
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

    from demo.letter_samples import sample_ip_events
    from letters.annex import format_timestamp

    events = sample_ip_events(size)
    baseline = peak_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    rows = [
        (str(n), format_timestamp(e.ts), e.ip, "" if e.port is None else str(e.port)) for n, e in enumerate(events, 1)
    ]
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
            ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ]
    )
    story = []
    for start in range(0, len(rows), 500):
        table = Table([("No.", "Timestamp (UTC)", "IP address", "Port"), *rows[start : start + 500]], repeatRows=1)
        table.setStyle(style)
        story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    finished = time.perf_counter()
    return {
        "seconds": finished - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "bytes": len(buffer.getvalue()),
        "peak_mb": peak_rss_mb(),
        "baseline_mb": baseline,
    }


def run_plain_weasyprint(size: int) -> dict:
    from django.template.loader import render_to_string
    from django.utils.html import escape
    from weasyprint import HTML

    from demo.letter_samples import sample_decision, sample_letter_content, sample_target
    from letters.annex import format_timestamp
    from letters.fetcher import StaticOnlyFetcher
    from letters.rendering import TEMPLATES, check_records_within_approval, letter_context

    target = sample_target(events=size)
    content = sample_letter_content(decision=sample_decision(targets=(target,)))
    fetcher = StaticOnlyFetcher()
    baseline = peak_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    counts = check_records_within_approval(content)
    html = render_to_string(
        TEMPLATES[content.kind], letter_context(content, counts=counts, letter_pages=1, annex_pages=0, attachments=[])
    )
    table = ["<h2>IP events</h2><table><tr><th>No.</th><th>Timestamp (UTC)</th><th>IP address</th><th>Port</th></tr>"]
    table += [
        f"<tr><td>{n}</td><td>{format_timestamp(e.ts)}</td><td class='mono'>{escape(e.ip)}</td>"
        f"<td>{'' if e.port is None else e.port}</td></tr>"
        for n, e in enumerate(target.ip_events, 1)
    ]
    table.append("</table>")
    html = html.replace("</body>", "".join(table) + "</body>")
    pdf = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher).write_pdf()
    finished = time.perf_counter()
    return {
        "seconds": finished - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "bytes": len(pdf),
        "peak_mb": peak_rss_mb(),
        "baseline_mb": baseline,
    }


def run_signing(repeats: int = 30) -> dict:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from demo.letter_samples import sample_rejection_content
    from letters.rendering import letter_render
    from letters.signing import SIGNATURE_FIELD, pdf_sign, signer_load
    from letters.verification import pdf_signature_check

    rendered = letter_render(sample_rejection_content())
    signer_load()
    pdf_sign(rendered.pdf, reason="warm-up")
    ours, ours_cpu = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        signed = pdf_sign(rendered.pdf, reason="bench")
        ours.append(time.perf_counter() - started)
        ours_cpu.append(time.process_time() - cpu_started)

    from django.conf import settings

    # pyHanko as shipped: the stock SimpleSigner (loaded once too), which parses its key again for every
    # signature, and no reserved size, so it signs a dry run first to measure the signature.
    signer = signers.SimpleSigner.load_pkcs12(
        settings.LAWREQ_SIGNING_P12, passphrase=settings.LAWREQ_SIGNING_PASSPHRASE.encode()
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    shipped, shipped_cpu = [], []
    for _ in range(max(repeats // 3, 5)):
        started, cpu_started = time.perf_counter(), time.process_time()
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(rendered.pdf)), metadata, signer=signer)
        shipped.append(time.perf_counter() - started)
        shipped_cpu.append(time.process_time() - cpu_started)

    verify, verify_cpu = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        assert pdf_signature_check(signed).ok
        verify.append(time.perf_counter() - started)
        verify_cpu.append(time.process_time() - cpu_started)
    return {
        "pages": rendered.pages,
        "sign_ms": statistics.median(ours) * 1000,
        "sign_ms_min": min(ours) * 1000,
        "sign_cpu_ms": statistics.median(ours_cpu) * 1000,
        "shipped_sign_ms": statistics.median(shipped) * 1000,
        "shipped_sign_cpu_ms": statistics.median(shipped_cpu) * 1000,
        "verify_ms": statistics.median(verify) * 1000,
        "verify_cpu_ms": statistics.median(verify_cpu) * 1000,
    }


def run_verify_large(size: int, repeats: int = 5) -> dict:
    from django.conf import settings

    from demo.letter_samples import sample_letter_content
    from letters.rendering import letter_render
    from letters.signing import pdf_sign
    from letters.verification import pdf_signature_check

    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = size + 1
    signed = pdf_sign(letter_render(sample_letter_content(events=size)).pdf, reason="bench")
    times, cpu = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        assert pdf_signature_check(signed).ok
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return {
        "verify_ms": statistics.median(times) * 1000,
        "verify_cpu_ms": statistics.median(cpu) * 1000,
        "bytes": len(signed),
    }


def sealed_snapshot_events(size: int) -> tuple[bytes, str]:
    """A snapshot's sealed IP events, as ``disclosure`` stores them, encoded a batch at a time."""
    from itertools import islice

    from demo.letter_samples import iter_sample_ip_events
    from disclosure.codec import encode_ip_events
    from vault.crypto import seal

    events = iter_sample_ip_events(size)
    parts = []
    while batch := list(islice(events, 50_000)):
        parts.append(encode_ip_events(batch)[1:-1])
    plaintext = b"[" + b",".join(parts) + b"]"
    del parts
    context = "disclosure.snapshottarget:1:ip_events"
    return bytes(seal(plaintext, context=context)), context


def run_worker_path(size: int, *, printed: bool = False) -> dict:
    import hashlib
    from dataclasses import replace

    from django.conf import settings

    from demo.letter_samples import sample_decision, sample_letter_content, sample_target
    from disclosure.codec import LazyIpEvents
    from letters.rendering import letter_render, letter_render_to_file, records_are_summarised
    from letters.signing import pdf_sign, pdf_sign_file, signer_load
    from letters.streaming import letter_workspace
    from vault.crypto import seal, unseal

    if printed:
        settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = size + 1
    envelope, context = sealed_snapshot_events(size)
    signer_load()
    letter_render(sample_letter_content(decision=sample_decision(targets=(sample_target(events=1),))))  # warm-up
    baseline = peak_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    events = LazyIpEvents(unseal(envelope, context=context))
    target = replace(sample_target(events=0), ip_events=events)
    content = sample_letter_content(decision=sample_decision(targets=(target,)))
    summarised = records_are_summarised(content)
    with letter_workspace() as workspace:
        if summarised:
            rendered = letter_render_to_file(content, workspace)
            rendered_at = time.perf_counter()
            pdf_sign_file(rendered.path, workspace / "signed.pdf", reason="bench")
            pdf = (workspace / "signed.pdf").read_bytes()
        else:
            rendered = letter_render(content)
            rendered_at = time.perf_counter()
            pdf = pdf_sign(rendered.pdf, reason="bench")
    signed_at = time.perf_counter()
    sealed = seal(pdf, context="letters.response:1:pdf_sealed")
    hashlib.sha256(pdf).hexdigest()
    finished = time.perf_counter()
    return {
        "seconds": finished - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "render_seconds": rendered_at - started,
        "sign_seconds": signed_at - rendered_at,
        "store_seconds": finished - signed_at,
        "pages": rendered.pages,
        "bytes": len(pdf),
        "sealed_bytes": len(sealed),
        "summarised": summarised,
        "peak_mb": peak_rss_mb(),
        "baseline_mb": baseline,
    }


JOBS = {
    "worker": run_worker_path,
    "worker_printed": lambda size: run_worker_path(size, printed=True),
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


def times(result: dict | None) -> str:
    if result is None or "error" in result:
        return cell(result)
    return f"{result['seconds']:.2f} / {result['cpu_seconds']:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="add 100,000 events (and plain WeasyPrint above 10,000)")
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=None,
        help="comma-separated event counts instead of the defaults",
    )
    parser.add_argument(
        "--scale-sizes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=SCALE_SIZES,
        help="event counts of the worker's path table (default 10,000, 100,000 and 1,000,000)",
    )
    parser.add_argument("--scale-only", action="store_true", help="only the worker's path table")
    parser.add_argument("--no-scale", action="store_true", help="without the worker's path table")
    parser.add_argument("--child", nargs=3, metavar=("JOB", "SIZE", "KEYS_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2])
        return

    sizes = args.sizes or (FULL_SIZES if args.full else QUICK_SIZES)
    with tempfile.TemporaryDirectory(prefix="bench-letters-") as keys_dir:
        if not args.scale_only:
            peers_table(sizes, keys_dir, full=args.full)
        if not args.no_scale:
            scale_table(args.scale_sizes, keys_dir)


def scale_table(sizes: list[int], keys_dir: str) -> None:
    from django.conf import settings

    setup_django(keys_dir)
    print()
    print(
        f"The worker's path, sealed snapshot to sealed signed letter (LAWREQ_LETTER_INLINE_RECORDS_MAX = "
        f"{settings.LAWREQ_LETTER_INLINE_RECORDS_MAX:,}), {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; each from a fresh process, peak RSS of that process (Python and Django included)."
    )
    header = (
        f"{'events':>9} | {'letter':>10} {'wall / CPU':>17} {'render':>7} {'sign':>6} {'store':>6} {'peak':>7} "
        f"{'pages':>5} {'PDF':>8} | {'printed: wall / CPU':>19} {'peak':>7} {'pages':>6} {'PDF':>8}"
    )
    print(header)
    print("-" * len(header))
    for size in sizes:
        ours = measure("worker", size, keys_dir)
        printed = measure("worker_printed", size, keys_dir) if size <= PRINTED_SCALE_LIMIT else None
        kind = "n/a" if "error" in ours else ("summary" if ours["summarised"] else "printed")
        print(
            f"{size:>9,} | {kind:>10} {times(ours):>17} {cell(ours, 'render_seconds', '{:.2f}'):>7} "
            f"{cell(ours, 'sign_seconds', '{:.2f}'):>6} {cell(ours, 'store_seconds', '{:.2f}'):>6} "
            f"{cell(ours, 'peak_mb', '{:.0f} MB'):>7} {cell(ours, 'pages', '{:d}'):>5} "
            f"{cell(ours, 'bytes', '{:,}'):>8} | {times(printed):>19} {cell(printed, 'peak_mb', '{:.0f} MB'):>7} "
            f"{cell(printed, 'pages', '{:d}'):>6} {cell(printed, 'bytes', '{:,}'):>8}",
            flush=True,
        )
    print("(time from unsealing the snapshot to the sealed letter; render includes the attachments)")


def peers_table(sizes: list[int], keys_dir: str, *, full: bool) -> None:
    print(
        f"Response letters, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}. Each figure from a "
        "fresh process; time as wall / CPU seconds (CPU time is the steadier figure on a shared machine); "
        "peak RSS includes Python and Django."
    )
    header = (
        f"{'events':>8} | {'ours (render+sign)':>18} {'sign':>6} {'peak':>7} {'pages':>5} | "
        f"{'ReportLab peer':>15} {'peak':>7} | {'plain WeasyPrint':>17} {'peak':>8} | {'ours/peer':>9}"
    )
    print(header)
    print("-" * len(header))
    for size in sizes:
        ours = measure("ours", size, keys_dir)
        peer = measure("reportlab", size, keys_dir)
        plain = None
        if full or size <= PLAIN_WEASYPRINT_QUICK_LIMIT:
            plain = measure("weasyprint", size, keys_dir)
        ratio = "n/a"
        if "error" not in ours and "error" not in peer:
            ratio = f"{ours['cpu_seconds'] / peer['cpu_seconds']:.2f}x"
        print(
            f"{size:>8,} | {times(ours):>18} {cell(ours, 'sign_seconds', '{:.3f}'):>6} "
            f"{cell(ours, 'peak_mb', '{:.0f} MB'):>7} {cell(ours, 'pages', '{:d}'):>5} | {times(peer):>15} "
            f"{cell(peer, 'peak_mb', '{:.0f} MB'):>7} | {times(plain):>17} "
            f"{cell(plain, 'peak_mb', '{:.0f} MB'):>8} | {ratio:>9}",
            flush=True,
        )
    print("(ours/peer: CPU time of our render+sign over the ReportLab peer's render)")
    signing = measure("signing", 0, keys_dir)
    print()
    if "error" in signing:
        print(f"signing: {signing['error']}")
    else:
        print(
            f"Signing a {signing['pages']}-page letter: {signing['sign_ms']:.1f} ms wall median "
            f"(min {signing['sign_ms_min']:.1f} ms), {signing['sign_cpu_ms']:.1f} ms CPU median"
        )
        print(
            f"  pyHanko's stock signer (key parsed per signature, size measured by a dry run): "
            f"{signing['shipped_sign_ms']:.1f} ms wall, {signing['shipped_sign_cpu_ms']:.1f} ms CPU"
        )
        print(
            f"Verifying it (signature, coverage, trust; without the database look-up): "
            f"{signing['verify_ms']:.1f} ms wall, {signing['verify_cpu_ms']:.1f} ms CPU median"
        )
    large = measure("verify", 10_000, keys_dir)
    if "error" not in large:
        print(
            f"Verifying the 10,000-event letter ({large['bytes'] / 1e6:.1f} MB): "
            f"{large['verify_ms']:.1f} ms wall, {large['verify_cpu_ms']:.1f} ms CPU median"
        )


if __name__ == "__main__":
    main()
