"""The risk assessment from the command line: 'report' writes an assessment's PDF report,
'list' shows an organization's assessments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hipaaops.core import context


class Command(BaseCommand):
    help = (
        "Security risk assessment. 'report --org SLUG --assessment ID --output FILE.pdf' writes "
        "the SRA report (the latest assessment when --assessment is left out); 'list --org SLUG' "
        "lists the assessments. Exit 2 for bad arguments."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{report,list}")
        rep = sub.add_parser("report", help="write an assessment's PDF report")
        rep.add_argument("--org", required=True, help="the organization's slug")
        rep.add_argument("--assessment", type=int, help="the assessment's id (default: latest)")
        rep.add_argument("--output", required=True, help="the PDF file to write")
        lst = sub.add_parser("list", help="list the assessments")
        lst.add_argument("--org", required=True, help="the organization's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        with context.acting(context.ActorContext(via="cli", request_id="sra")):
            getattr(self, f"_{options['action']}")(options)

    def _list(self, options: dict[str, Any]) -> None:
        from hipaaops.core.cli import organization
        from hipaaops.sra import selectors

        org = organization(options["org"])
        for a in selectors.assessments(org):
            counts = selectors.level_counts(a)
            levels = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no risks"
            self.stdout.write(
                f"{a.pk}  {a.assessed_on}  {a.get_status_display():<11}  {a.title}  ({levels})"
            )

    def _report(self, options: dict[str, Any]) -> None:
        from hipaaops.audit.models import Action
        from hipaaops.audit.services import record
        from hipaaops.core.cli import organization
        from hipaaops.sra import report
        from hipaaops.sra.models import Assessment

        org = organization(options["org"])
        output = Path(options["output"])
        if output.suffix.lower() != ".pdf":
            raise CommandError("--output: the report is a PDF; name the file .pdf.", returncode=2)
        if not output.parent.exists():
            raise CommandError(
                f"--output: the folder {output.parent} does not exist.", returncode=2
            )
        qs = Assessment.objects.filter(organization=org)
        a = qs.filter(pk=options["assessment"]).first() if options.get("assessment") else qs.first()
        if a is None:
            which = (
                f"no assessment {options['assessment']}"
                if options.get("assessment")
                else "no assessment"
            )
            raise CommandError(f"--assessment: {which} in {org.slug}.", returncode=2)
        pdf = report.render_pdf(a)
        output.write_bytes(pdf)
        record(
            Action.EXPORT,
            actor=None,
            organization=org,
            target=a,
            object_repr=f"SRA report: {a.title} (command line)",
        )
        self.stdout.write(
            f"Wrote {output} ({len(pdf):,} bytes): {a.title}, {a.scenarios.count()} risks."
        )
