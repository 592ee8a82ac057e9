# Written by `makemigrations --empty blog` and left empty.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("blog", "0003_merge")]

    operations = []
