from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]

    operations = [
        migrations.RemoveField(model_name="member", name="tier"),
    ]
