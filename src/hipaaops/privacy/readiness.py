"""The Privacy Rule operations' part in audit readiness: their registers in the audit binder, and
what they propose for the protocol's Privacy inquiries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING

from django.urls import reverse

from hipaaops.readiness import proposals
from hipaaops.readiness.binder import BinderFile, section, text_chunks

if TYPE_CHECKING:
    from hipaaops.catalog.regulation.catalog import ProtocolInquiry
    from hipaaops.organizations.models import Organization


def _csv(columns: list[str], rows: list[list[object]]) -> Callable[[], Iterator[bytes]]:
    from hipaaops.privacy import exports

    return text_chunks(lambda: exports.as_csv(columns, rows))


@section("privacy", "Privacy Rule operations (45 CFR 164.520-164.530)", 50)
def privacy_part(org: Organization, as_of: date) -> Iterator[BinderFile]:
    from hipaaops.privacy import exports
    from hipaaops.privacy.models import AccountingRecord, Complaint, NoticeVersion, PrivacyRequest

    for what, model, title in (
        ("requests", PrivacyRequest, "Rights requests with their clocks and responses"),
        ("accountings", AccountingRecord, "Accountings of disclosures given"),
        ("complaints", Complaint, "Complaints and their dispositions"),
    ):
        if not model.objects.filter(organization=org).exists():
            continue
        _, columns, rows = exports.table(org, what)
        yield BinderFile(
            f"privacy/{what}.csv",
            title,
            _csv(columns, rows),
        )
    notices = NoticeVersion.objects.filter(organization=org, effective_on__lte=as_of)
    if notices.exists():
        rows = [
            [
                n.version,
                n.effective_on,
                n.summary_of_changes,
                "; ".join(f"{p.where} {p.posted_on}" for p in n.postings.all()),
            ]
            for n in notices
        ]
        yield BinderFile(
            "privacy/notice-versions.csv",
            "Notice of privacy practices: versions in force by the date, and their postings",
            _csv(["version", "effective_on", "changes", "postings"], rows),
        )


PROPOSALS = {
    "164.520": (
        "privacy:notice",
        "Notice of privacy practices: versions, postings, acknowledgements",
    ),
    "164.522": (
        "privacy:register",
        "Rights requests: restrictions and confidential communications",
    ),
    "164.524": ("privacy:register", "Rights requests: access, with clocks, fees and denials"),
    "164.526": ("privacy:register", "Rights requests: amendments, denials and disagreements"),
    "164.528": ("privacy:disclosures", "Disclosures log and the accountings given"),
    "164.530(d)": ("privacy:complaints", "Complaints and their dispositions"),
}


@proposals.register
def privacy_registers(org: Organization, inquiry: ProtocolInquiry) -> list[proposals.Proposal]:
    found = []
    for prefix, (url_name, label) in PROPOSALS.items():
        if any(c.startswith(prefix) for c in (*inquiry.citations, *inquiry.catalog)):
            found.append(proposals.Proposal(label, reverse(url_name, args=[org.slug]), "privacy"))
    return found
