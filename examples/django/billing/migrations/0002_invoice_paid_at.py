# The other branch's migration: with 0002_invoice_due_date, billing has two leaf nodes.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [
        migrations.AddField(model_name="invoice", name="paid_at", field=models.DateTimeField(null=True)),
    ]
