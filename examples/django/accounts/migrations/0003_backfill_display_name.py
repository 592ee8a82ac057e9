# A data migration: deployctl cannot see inside RunPython, so it runs before the rollout (the
# default), when the old code still serves. It only fills a column the old code ignores.
from django.db import migrations


def backfill(apps, schema_editor):
    Customer = apps.get_model("accounts", "Customer")
    for customer in Customer.objects.filter(display_name__isnull=True).iterator():
        customer.display_name = customer.email.split("@")[0]
        customer.save(update_fields=["display_name"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_customer_display_name")]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
