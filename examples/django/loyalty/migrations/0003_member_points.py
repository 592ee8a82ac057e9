# Blocked: this AddField belongs before the rollout, but it depends on 0002, whose DROP COLUMN
# may run only after it, and Django applies a migration's dependencies first.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0002_remove_member_tier")]

    operations = [
        migrations.AddField(model_name="member", name="points", field=models.IntegerField(null=True)),
    ]
