# Blocked: adds a column (before the rollout) and drops one (only after it) in one migration.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reviews", "0003_rename_body_to_text")]

    operations = [
        migrations.AddField(model_name="review", name="score", field=models.IntegerField(null=True)),
        migrations.RemoveField(model_name="review", name="rating"),
    ]
