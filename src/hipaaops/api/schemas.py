from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class ErrorField(Schema):
    field: str
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    fields: list[ErrorField] = Field(default_factory=list)


class ErrorOut(Schema):
    error: ErrorBody


class OrganizationOut(Schema):
    slug: str
    name: str
    entity_type: str
    role: str
    capabilities: list[str]
    require_mfa_for_all: bool
    idle_timeout_minutes: int | None
    emergency_access_enabled: bool
    is_clearinghouse_in_larger_org: bool
    is_group_health_plan: bool
    has_business_associates: bool
    proposed_rule_overlay: bool


class OrganizationPatch(Schema):
    name: str | None = None
    description: str | None = None
    entity_type: str | None = None
    require_mfa_for_all: bool | None = None
    idle_timeout_minutes: int | None = Field(default=None, ge=1)
    emergency_access_enabled: bool | None = None
    is_clearinghouse_in_larger_org: bool | None = None
    is_group_health_plan: bool | None = None
    has_business_associates: bool | None = None
    proposed_rule_overlay: bool | None = None


class MeMembership(Schema):
    slug: str
    name: str
    role: str


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    mfa_enabled: bool
    organizations: list[MeMembership]


class MemberOut(Schema):
    id: int
    email: str
    full_name: str
    role: str
    title: str
    mfa_enabled: bool
    joined: datetime


class MemberIn(Schema):
    email: str = Field(max_length=254)
    role: str
    full_name: str = Field(default="", max_length=150)
    title: str = Field(default="", max_length=120)


class MemberPatch(Schema):
    role: str


class AuditEntryOut(Schema):
    seq: int
    created_at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: str
    ip: str
    via: str
    entry_hash: str

    @staticmethod
    def resolve_actor(obj: dict[str, Any]) -> str:
        return str(obj["actor_label"])


class AuditQuery(Schema):
    user: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: date | None = None
    until: date | None = None


class EmergencyIn(Schema):
    reason: str = Field(max_length=4000)
    hours: int | None = None


class EmergencyOut(Schema):
    id: int
    user: str
    granted_role: str
    started_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    end_reason: str
    active: bool


class TokenIn(Schema):
    name: str = Field(max_length=100)
    days: int = 90


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str


class FigureOut(Schema):
    key: str
    label: str
    value: int
    detail: str = ""


class DashboardOut(Schema):
    organization: str
    figures: list[FigureOut]
