"""The role and capability matrix (45 CFR 164.308(a)(4)(ii)(B)-(C), 164.312(a)(1)). Plain Python:
a change to who may do what has to change this table too, deliberately."""

from __future__ import annotations

import pytest

from hipaaops.core.roles import (
    CAPABILITIES,
    EMERGENCY_ROLE,
    MFA_REQUIRED_ROLES,
    RANK,
    Capability,
    Role,
    can,
    mfa_required,
    stronger,
)

C = Capability
EXPECTED: dict[Role, set[Capability]] = {
    Role.OWNER: {
        C.VIEW_ORGANIZATION,
        C.VIEW_RECORDS,
        C.EDIT_RECORDS,
        C.APPROVE,
        C.VIEW_SENSITIVE,
        C.VIEW_AUDIT,
        C.EXPORT,
        C.MANAGE_MEMBERS,
        C.MANAGE_OWNERS,
        C.MANAGE_ORGANIZATION,
    },
    Role.COMPLIANCE_OFFICER: {
        C.VIEW_ORGANIZATION,
        C.VIEW_RECORDS,
        C.EDIT_RECORDS,
        C.APPROVE,
        C.VIEW_SENSITIVE,
        C.VIEW_AUDIT,
        C.EXPORT,
        C.MANAGE_MEMBERS,
        C.REQUEST_EMERGENCY_ACCESS,
    },
    Role.CONTRIBUTOR: {
        C.VIEW_ORGANIZATION,
        C.VIEW_RECORDS,
        C.EDIT_RECORDS,
        C.REQUEST_EMERGENCY_ACCESS,
    },
    Role.AUDITOR: {
        C.VIEW_ORGANIZATION,
        C.VIEW_RECORDS,
        C.VIEW_AUDIT,
        C.EXPORT,
        C.REQUEST_EMERGENCY_ACCESS,
    },
    Role.WORKFORCE: {C.VIEW_ORGANIZATION, C.REQUEST_EMERGENCY_ACCESS},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("capability", list(Capability))
def test_capability_matrix(role: Role, capability: Capability) -> None:
    assert can(role, capability) is (capability in EXPECTED[role])
    assert can(role.value, capability.value) is (capability in EXPECTED[role])


def test_every_role_is_in_the_matrix() -> None:
    assert set(CAPABILITIES) == set(Role) == set(EXPECTED) == set(RANK)


def test_auditor_is_read_only() -> None:
    writes = {C.EDIT_RECORDS, C.APPROVE, C.MANAGE_MEMBERS, C.MANAGE_OWNERS, C.MANAGE_ORGANIZATION}
    assert not CAPABILITIES[Role.AUDITOR] & writes


def test_ranks_order_the_roles_from_most_to_least_privileged() -> None:
    ordered = sorted(Role, key=lambda r: RANK[r], reverse=True)
    assert ordered == [
        Role.OWNER,
        Role.COMPLIANCE_OFFICER,
        Role.CONTRIBUTOR,
        Role.AUDITOR,
        Role.WORKFORCE,
    ]
    # Owners hold every capability but break-glass; officers hold what contributors and
    # auditors hold; the auditor's read of the trail is not a contributor's.
    assert CAPABILITIES[Role.OWNER] == set(Capability) - {C.REQUEST_EMERGENCY_ACCESS}
    assert (
        CAPABILITIES[Role.CONTRIBUTOR] | CAPABILITIES[Role.AUDITOR]
        <= (CAPABILITIES[Role.COMPLIANCE_OFFICER])
    )
    assert C.VIEW_AUDIT not in CAPABILITIES[Role.CONTRIBUTOR]


def test_stronger_picks_the_more_privileged_role() -> None:
    assert stronger(Role.WORKFORCE, None) is Role.WORKFORCE
    assert stronger(Role.WORKFORCE, EMERGENCY_ROLE) is Role.COMPLIANCE_OFFICER
    assert stronger("owner", "compliance_officer") is Role.OWNER
    assert stronger(Role.AUDITOR, Role.CONTRIBUTOR) is Role.CONTRIBUTOR


def test_mfa_is_required_of_owners_and_officers_or_of_all_when_the_organization_says_so() -> None:
    assert frozenset({Role.OWNER, Role.COMPLIANCE_OFFICER}) == MFA_REQUIRED_ROLES
    for role in Role:
        assert mfa_required(role, organization_requires_all=True)
        assert mfa_required(role, organization_requires_all=False) is (
            role in {Role.OWNER, Role.COMPLIANCE_OFFICER}
        )


def test_unknown_role_or_capability_is_an_error() -> None:
    with pytest.raises(ValueError):
        can("superuser", C.VIEW_AUDIT)
    with pytest.raises(ValueError):
        can(Role.OWNER, "launch_missiles")
