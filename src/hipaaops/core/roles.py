"""Roles of a membership and what each may do. Plain Python: no Django imports.

Least privilege per organization (45 CFR 164.308(a)(4)(ii)(B)-(C), 164.312(a)(1)): each
capability is granted to the roles that need it and to no other.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    COMPLIANCE_OFFICER = "compliance_officer"
    CONTRIBUTOR = "contributor"
    AUDITOR = "auditor"
    WORKFORCE = "workforce"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.OWNER: "Owner",
    Role.COMPLIANCE_OFFICER: "Compliance officer",
    Role.CONTRIBUTOR: "Contributor",
    Role.AUDITOR: "Auditor (read-only)",
    Role.WORKFORCE: "Workforce member",
}

# Ordered from most to least privileged; used to pick the stronger of membership and emergency role.
RANK: dict[Role, int] = {
    Role.OWNER: 50,
    Role.COMPLIANCE_OFFICER: 40,
    Role.CONTRIBUTOR: 30,
    Role.AUDITOR: 20,
    Role.WORKFORCE: 10,
}


class Capability(StrEnum):
    VIEW_ORGANIZATION = "view_organization"  # dashboard and one's own assignments
    VIEW_RECORDS = "view_records"  # the organization's registers
    EDIT_RECORDS = "edit_records"
    APPROVE = "approve"  # sign decisions, accept risks, finalize determinations
    VIEW_SENSITIVE = "view_sensitive"  # records marked sensitive (every read is audited)
    VIEW_AUDIT = "view_audit"
    EXPORT = "export"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_OWNERS = "manage_owners"
    MANAGE_ORGANIZATION = "manage_organization"
    REQUEST_EMERGENCY_ACCESS = "request_emergency_access"


_ALL = set(Capability)

CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.OWNER: frozenset(_ALL - {Capability.REQUEST_EMERGENCY_ACCESS}),
    Role.COMPLIANCE_OFFICER: frozenset(
        _ALL - {Capability.MANAGE_OWNERS, Capability.MANAGE_ORGANIZATION}
    ),
    Role.CONTRIBUTOR: frozenset(
        {
            Capability.VIEW_ORGANIZATION,
            Capability.VIEW_RECORDS,
            Capability.EDIT_RECORDS,
            Capability.REQUEST_EMERGENCY_ACCESS,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            Capability.VIEW_ORGANIZATION,
            Capability.VIEW_RECORDS,
            Capability.VIEW_AUDIT,
            Capability.EXPORT,
            Capability.REQUEST_EMERGENCY_ACCESS,
        }
    ),
    Role.WORKFORCE: frozenset({Capability.VIEW_ORGANIZATION, Capability.REQUEST_EMERGENCY_ACCESS}),
}

# Roles that must use MFA whatever the organization's own setting (45 CFR 164.312(d)).
MFA_REQUIRED_ROLES = frozenset({Role.OWNER, Role.COMPLIANCE_OFFICER})

# The role an emergency-access grant lends for its duration (45 CFR 164.312(a)(2)(ii)).
EMERGENCY_ROLE = Role.COMPLIANCE_OFFICER


def can(role: Role | str, capability: Capability | str) -> bool:
    return Capability(capability) in CAPABILITIES[Role(role)]


def stronger(a: Role | str, b: Role | str | None) -> Role:
    """The more privileged of two roles."""
    if b is None:
        return Role(a)
    return Role(a) if RANK[Role(a)] >= RANK[Role(b)] else Role(b)


def mfa_required(role: Role | str, organization_requires_all: bool) -> bool:
    return organization_requires_all or Role(role) in MFA_REQUIRED_ROLES
