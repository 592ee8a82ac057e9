from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("blog", "0005_post_is_public")]

    operations = [
        AddIndexConcurrently(model_name="post", index=models.Index(fields=["slug"], name="blog_post_slug_idx")),
    ]
