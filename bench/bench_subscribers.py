"""Platform data at scale: generation rate, and one account's events in a 30-day range.

    .venv/bin/python bench/bench_subscribers.py [--full] [--accounts N --events-per-account M] [--reuse]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lawreq_bench .venv/bin/python bench/bench_subscribers.py --full

Prints:
- ``generate_subscribers`` throughput in events per second (bulk inserts: COPY on PostgreSQL);
- the lookup the disclosure snapshot makes, one account's IP events in a 30-day window: median and
  95th percentile milliseconds over random accounts and windows (warm cache), once as the bare
  query and once through the provider (account lookup + query + building the records);
- the query plan, which must show the (account, ts) index.

Quick by default (2,000 accounts x 100 events). ``--full`` is 100,000 x 100 = 10 million events:
run it on PostgreSQL with a dedicated database (created when missing). ``--reuse`` keeps the data
of a previous run of the same size instead of generating it again. Uses a throw-away SQLite
database unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time

import benchsetup  # noqa: F401  (Django, and the bench database)
from django.core.management import call_command
from django.db import connection

from demo.subscribers import subscribers_generate
from subscribers.models import Account, IpEvent, PhoneHistory, PreservationHold
from subscribers.providers import DatabaseProvider, day_bounds


def wipe() -> None:
    if connection.vendor == "postgresql":
        tables = [m._meta.db_table for m in (IpEvent, PhoneHistory, PreservationHold, Account)]
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    else:
        for model in (IpEvent, PhoneHistory, PreservationHold, Account):
            model.objects.all().delete()


def generate(accounts: int, events_per_account: int) -> float:
    from tqdm import tqdm

    with tqdm(total=accounts, unit="account", desc="generate", file=sys.stderr) as bar:
        result = subscribers_generate(accounts=accounts, events_per_account=events_per_account, progress=bar.update)
    return result.ip_events / result.seconds


def analyse() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {IpEvent._meta.db_table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def windows(samples: int, seed: int = 42) -> list[tuple[int, str, dt.date, dt.date]]:
    """Random (account pk, account id, first day, last day) over the year the events cover."""
    rng = random.Random(seed)
    max_pk = Account.objects.order_by("-pk").values_list("pk", flat=True).first()
    min_pk = Account.objects.order_by("pk").values_list("pk", flat=True).first()
    today = dt.date.today()
    picked = []
    while len(picked) < samples:
        account = Account.objects.filter(pk=rng.randint(min_pk, max_pk)).values_list("pk", "account_id").first()
        if account is None:
            continue
        first = today - dt.timedelta(days=rng.randint(30, 365))
        picked.append((*account, first, first + dt.timedelta(days=29)))
    return picked


def bare_query(account_pk: int, first: dt.date, last: dt.date):
    start, end = day_bounds(first, last)
    return (
        IpEvent.objects.filter(account_id=account_pk, ts__gte=start, ts__lt=end)
        .order_by("ts", "id")
        .values_list("ts", "ip", "port")
    )


def timed_ms(function, samples) -> list[float]:
    timings = []
    for sample in samples:
        began = time.perf_counter()
        function(*sample)
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="100,000 accounts x 100 events (10 million)")
    parser.add_argument("--accounts", type=int)
    parser.add_argument("--events-per-account", type=int, default=100)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--reuse", action="store_true", help="keep data of the same size from a previous run")
    args = parser.parse_args()
    accounts = args.accounts or (100_000 if args.full else 2_000)
    wanted_events = accounts * args.events_per_account

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    existing_events = IpEvent.objects.count() if args.reuse else -1
    if args.reuse and existing_events == wanted_events and Account.objects.count() == accounts:
        print(f"reusing {existing_events:,} events of {accounts:,} accounts")
    else:
        wipe()
        rate = generate(accounts, args.events_per_account)
        print(f"generate_subscribers: {accounts:,} accounts x {args.events_per_account} events = "
              f"{wanted_events:,} events at {rate:,.0f} events/s")  # fmt: skip
    analyse()

    provider = DatabaseProvider()
    samples = windows(args.lookups)
    for pk, _, first, last in samples[:20]:  # warm-up
        list(bare_query(pk, first, last))
    sizes = [len(list(bare_query(pk, first, last))) for pk, _, first, last in samples]
    bare = timed_ms(lambda pk, _, first, last: list(bare_query(pk, first, last)), samples)
    through_provider = timed_ms(
        lambda _, account_id, first, last: provider.records(account_id, ["ip_addresses"], first, last), samples
    )
    total = IpEvent.objects.count()
    print(f"lookup of one account's events in a 30-day range, {total:,} events in the table, {len(samples)} random "
          f"accounts and windows ({statistics.mean(sizes):.1f} events returned on average):")  # fmt: skip
    for label, timings in (("bare query", bare), ("provider.records", through_provider)):
        print(f"  {label:<17} median {statistics.median(timings):6.2f} ms   p95 {percentile(timings, 0.95):6.2f} ms")

    pk, _, first, last = samples[0]
    plan = bare_query(pk, first, last)
    print("query plan:")
    explained = plan.explain(analyze=True) if connection.vendor == "postgresql" else plan.explain()
    for line in explained.splitlines():
        print(f"  {line}")


if __name__ == "__main__":
    main()
