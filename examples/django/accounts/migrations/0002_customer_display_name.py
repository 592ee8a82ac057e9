from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(model_name="customer", name="display_name", field=models.CharField(max_length=100, null=True)),
    ]
