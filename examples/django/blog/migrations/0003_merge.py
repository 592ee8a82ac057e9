# Written by `makemigrations --merge`: no operations, only the two branches as dependencies.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("blog", "0002_post_slug"), ("blog", "0002_post_summary")]

    operations = []
