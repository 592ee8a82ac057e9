# Blocked: legacy_code is NOT NULL without a database default, so once the new code (which no
# longer has the field) rolls out, its INSERTs fail until the DROP COLUMN runs.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("pricing", "0002_plan_currency")]
    operations = [
        migrations.RemoveField(model_name="plan", name="legacy_code"),
    ]
