# One branch's migration; billing/migrations/0002_invoice_paid_at.py is the other's.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [
        migrations.AddField(model_name="invoice", name="due_date", field=models.DateField(null=True)),
    ]
