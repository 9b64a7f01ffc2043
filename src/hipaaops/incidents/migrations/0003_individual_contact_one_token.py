"""Name, address, e-mail and phone of an affected individual move into one encrypted document
(one Fernet token per person instead of four); existing rows are carried over."""

from typing import Any

from django.db import migrations

import hipaaops.core.crypto

FIELDS = ("name", "address", "email", "phone")


def carry_over(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("incidents", "AffectedIndividual")
    for person in model.objects.all().iterator(chunk_size=2000):
        person.contact = {f: getattr(person, f) or "" for f in FIELDS}
        person.save(update_fields=["contact"])


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_noticecontent"),
    ]

    operations = [
        migrations.AddField(
            model_name="affectedindividual",
            name="contact",
            field=hipaaops.core.crypto.EncryptedJSONField(default=dict),
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        *[migrations.RemoveField(model_name="affectedindividual", name=f) for f in FIELDS],
    ]
