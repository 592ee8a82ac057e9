# Blocked: a field with a Python default on an existing table. Django runs ADD COLUMN ... DEFAULT
# 'EUR' NOT NULL (before the rollout), then ALTER COLUMN ... DROP DEFAULT in the same migration,
# which may run only after it: the old code's INSERTs leave the column out.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pricing", "0001_initial")]
    operations = [
        migrations.AddField(model_name="plan", name="currency", field=models.CharField(max_length=3, default="EUR")),
    ]
