# Added on another branch at the same time as 0002_post_slug; 0003 merges the two.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial")]

    operations = [
        migrations.AddField(model_name="post", name="summary", field=models.TextField(null=True)),
    ]
