from __future__ import annotations

import sys
from pathlib import Path

import orjson
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit.checkpoints import CheckpointInvalid, checkpoint_read_file
from audit.keys import CheckpointKeyError, checkpoint_signing_key, load_public_key
from lawreq.errors import InvalidInput
from reports.transparency import (
    dataset_parse,
    figure_proofs,
    proofs_verify,
    signature_verifies,
    stored_checkpoint_named,
    transparency_check,
)

BAD_INPUT, DIFFERS = 2, 1
WARNING_NO_SIGNATURE = (
    "WARNING: NO SIGNATURE CHECKED. Without --signature nothing shows this file is the one published; the "
    "figures, names, definitions and method are compared with what the trail gives, the publication date is not."
)


class Command(BaseCommand):
    help = (
        "Check a published transparency dataset: its signature (--signature), its checkpoint (signed with the "
        "checkpoint key, and the audit trail's first tree_size entries give its root), then every figure and "
        "response time recomputed from the trail; each difference is printed. Exit 0 all match, 1 a difference "
        "or a bad signature, 2 bad input. --prove writes a figure's entries with their inclusion proofs; "
        "--verify-proofs checks such a file offline against a checkpoint file; with DATASET, the figure it "
        "publishes must be the one the proven entries give. DATASET may be data.json or data.csv."
    )

    def add_arguments(self, parser):
        parser.add_argument("dataset", nargs="?", metavar="DATASET", help="data.json or data.csv as published")
        parser.add_argument("--signature", metavar="SIG", help="the detached signature of DATASET (raw 64 bytes)")
        parser.add_argument(
            "--public-key", metavar="PEM", help="the trusted checkpoint key (default: this installation's key)"
        )
        parser.add_argument(
            "--prove", nargs=3, metavar=("PERIOD", "JURISDICTION", "FIGURE"), help="prove one figure of DATASET"
        )
        parser.add_argument("--out", metavar="FILE", help="where --prove writes (default: standard output)")
        parser.add_argument("--verify-proofs", metavar="PROOFS", help="check a proofs file, offline")
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="the checkpoint file (an auditor's copy): needed by --verify-proofs; for a check, instead of the "
            "stored checkpoint the dataset names",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        trusted_key = self._trusted_key(options["public_key"])
        if options["verify_proofs"]:
            return self._verify_proofs(options, trusted_key)
        if not options["dataset"]:
            raise CommandError("Name the DATASET file (or --verify-proofs PROOFS --checkpoint FILE).", returncode=2)
        data = self._read(options["dataset"])
        if options["prove"]:
            return self._prove(data, options, trusted_key)
        signature = self._read(options["signature"]) if options["signature"] else None
        checkpoint_file = self._checkpoint(options["checkpoint"], trusted_key) if options["checkpoint"] else None
        disable = True if options["no_progress"] else None
        with tqdm(unit=" entries", unit_scale=True, disable=disable, file=sys.stderr) as bar:
            try:
                result = transparency_check(
                    data,
                    trusted_key=trusted_key,
                    signature=signature,
                    checkpoint_file=checkpoint_file,
                    progress=bar.update,
                )
            except InvalidInput as exc:
                raise CommandError(str(exc), returncode=BAD_INPUT)
        for problem in result.problems:
            self.stdout.write(self.style.ERROR(problem))
        if result.bad_seq is not None:
            self.stdout.write(self.style.ERROR(f"first bad entry: #{result.bad_seq}"))
        if signature is None:
            self.stdout.write(self.style.WARNING(WARNING_NO_SIGNATURE))
        for item in result.differences:
            self.stdout.write(
                f"{item.period or '-'}\t{item.jurisdiction or '-'}\t{item.figure}\tpublished {_show(item.published)}"
                f"\trecomputed {_show(item.recomputed)}"
            )
        if not result.ok:
            raise CommandError(
                f"Transparency dataset does NOT match: {len(result.problems)} problem(s), "
                f"{len(result.differences)} figure(s) differ",
                returncode=DIFFERS,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Transparency dataset verified: every figure recomputed from the {result.checkpoint.tree_size} "
                f"entries of the checkpoint signed {result.checkpoint.created_at} matches"
                + (", signature valid" if signature is not None else "")
            )
        )

    def _trusted_key(self, path: str | None):
        try:
            return load_public_key(path) if path else checkpoint_signing_key().public_key()
        except (OSError, ValueError, CheckpointKeyError) as exc:
            raise CommandError(f"The public key could not be read: {exc}", returncode=BAD_INPUT)

    def _checkpoint(self, path: str, trusted_key):
        try:
            return checkpoint_read_file(path, trusted_key=trusted_key)
        except CheckpointInvalid as exc:
            raise CommandError(f"Checkpoint refused: {exc}", returncode=DIFFERS)

    def _read(self, path: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}", returncode=BAD_INPUT)

    def _prove(self, data: bytes, options, trusted_key) -> None:
        period, jurisdiction, figure = options["prove"]
        try:
            dataset = dataset_parse(data)
            checkpoint = stored_checkpoint_named(
                tree_size=int(dataset["checkpoint"]["tree_size"]),
                root_hash=str(dataset["checkpoint"]["root_hash"]),
                trusted_key=trusted_key,
            )
            if checkpoint is None:
                raise CommandError("The dataset's checkpoint is not stored here.", returncode=DIFFERS)
            proofs = figure_proofs(
                checkpoint=checkpoint, period=period, jurisdiction=jurisdiction, figure=figure, published=dataset
            )
        except InvalidInput as exc:
            raise CommandError(str(exc), returncode=BAD_INPUT)
        except CheckpointInvalid as exc:
            raise CommandError(f"The dataset's checkpoint is not valid: {exc}", returncode=DIFFERS)
        document = orjson.dumps(proofs, option=orjson.OPT_INDENT_2) + b"\n"
        if options["out"]:
            Path(options["out"]).write_bytes(document)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{len(proofs['entries'])} entries with their inclusion proofs written to {options['out']}"
                )
            )
        else:
            self.stdout.write(document.decode(), ending="")

    def _verify_proofs(self, options, trusted_key) -> None:
        if not options["checkpoint"]:
            raise CommandError("--verify-proofs needs --checkpoint FILE.", returncode=BAD_INPUT)
        checkpoint = self._checkpoint(options["checkpoint"], trusted_key)
        published = None
        try:
            if options["dataset"]:
                data = self._read(options["dataset"])
                if options["signature"] and not signature_verifies(data, self._read(options["signature"]), trusted_key):
                    raise CommandError(f"{options['dataset']}: its signature does not verify.", returncode=DIFFERS)
                published = dataset_parse(data)
            document = orjson.loads(self._read(options["verify_proofs"]))
            result = proofs_verify(document, checkpoint=checkpoint, published=published)
        except (orjson.JSONDecodeError, InvalidInput) as exc:
            raise CommandError(f"Proofs refused: {exc}", returncode=BAD_INPUT)
        for problem in result.problems:
            self.stdout.write(self.style.ERROR(problem))
        if result.problems:
            raise CommandError(f"The figure is NOT proven: {len(result.problems)} problem(s)", returncode=DIFFERS)
        cell = f"{document['period']} {document['jurisdiction']} {document['figure']} = {_show(result.value)}"
        trail = f"the checkpoint of {checkpoint.tree_size} entries signed {checkpoint.created_at}"
        if published is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Figure proven: {cell}, as {options['dataset']} publishes it, from {result.entries} entries "
                    f"included in {trail}"
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Entries included: these {result.entries} entries are in the trail of {trail}, and they count {cell}."
            )
        )
        self.stdout.write(
            self.style.WARNING(
                "The published figure is NOT proven: inclusion proofs cannot show that no entry was left out. Give "
                "the dataset (transparency_check DATASET --verify-proofs ...) to compare with the figure it publishes."
            )
        )


def _show(value) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    return str(value)
