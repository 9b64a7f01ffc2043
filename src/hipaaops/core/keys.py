"""Key rotation: re-encrypt every encrypted value under the newest key (45 CFR 164.312(a)(2)(iv))."""

from __future__ import annotations

from django.db import transaction

from hipaaops.audit.models import Action
from hipaaops.audit.services import record
from hipaaops.core.crypto import decrypt_str, encrypt_str, encrypted_fields


def rotate_all(batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt all encrypted model fields and allauth's MFA secrets. One transaction, audited."""
    from allauth.mfa.models import Authenticator

    counts: dict[str, int] = {}
    with transaction.atomic():
        for model, names in encrypted_fields():
            count = 0
            for obj in model._default_manager.only("pk", *names).iterator(chunk_size=batch_size):
                # Reading decrypts with any listed key; writing encrypts with the newest.
                values = {name: getattr(obj, name) for name in names}
                model._default_manager.filter(pk=obj.pk).update(**values)
                count += sum(1 for v in values.values() if v is not None)
            counts[model._meta.label_lower] = count
        mfa = 0
        for auth in Authenticator.objects.all().iterator(chunk_size=batch_size):
            data = dict(auth.data)
            changed = False
            for key in ("secret", "seed"):
                if isinstance(data.get(key), str):
                    data[key] = encrypt_str(decrypt_str(data[key]))
                    changed = True
            if isinstance(data.get("migrated_codes"), list):
                data["migrated_codes"] = [
                    encrypt_str(decrypt_str(c)) for c in data["migrated_codes"]
                ]
                changed = True
            if changed:
                Authenticator.objects.filter(pk=auth.pk).update(data=data)
                mfa += 1
        counts["mfa.authenticator"] = mfa
        record(
            Action.SYSTEM,
            actor=None,
            object_type="core.keys",
            object_repr="Field-encryption key rotation",
            changes={"event": "keys_rotated", "counts": counts},
        )
    return counts
