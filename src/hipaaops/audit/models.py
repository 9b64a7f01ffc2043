"""The audit trail: append-only, hash-chained entries (45 CFR 164.312(b), 164.312(c)(1))."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Action(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    READ_SENSITIVE = "read_sensitive", "Read of a sensitive record"
    EXPORT = "export", "Export"
    LOGIN = "login", "Sign-in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    LOGOUT = "logout", "Sign-out"
    SESSION_TIMEOUT = "session_timeout", "Automatic logoff"
    SESSION_ENDED = "session_ended", "Session ended by the user"
    LOCKOUT = "lockout", "Account locked out"
    MFA = "mfa", "MFA change"
    EMERGENCY_ACCESS = "emergency_access", "Emergency access"
    TOKEN = "token", "API token"
    SYSTEM = "system", "System operation"


class AuditEntry(models.Model):
    """One event. Rows are never updated or deleted: database triggers refuse it."""

    seq = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(db_index=True)
    # Plain ids (no foreign-key constraint): the trail outlives the users and organizations it
    # names, and deleting either must never touch it.
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices, db_index=True)
    object_type = models.CharField(max_length=100, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.TextField(blank=True, default="")  # canonical JSON, sensitive values masked
    ip = models.CharField(max_length=45, blank=True, default="")
    user_agent = models.CharField(max_length=300, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    via = models.CharField(max_length=16, blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["organization", "-seq"], name="audit_org_seq"),
            models.Index(fields=["actor", "-seq"], name="audit_actor_seq"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type} {self.object_id}"
