"""Domain events of organizations, sent by the services inside their transaction."""

from django.dispatch import Signal

# Sent when the applicability profile changes (entity type, clearinghouse, group health plan,
# business associates), with ``organization`` and ``actor``. Receivers write through their own
# services, audited in the same transaction.
profile_changed = Signal()
