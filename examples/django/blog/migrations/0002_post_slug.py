from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial")]

    operations = [
        migrations.AddField(model_name="post", name="slug", field=models.SlugField(max_length=200, null=True)),
    ]
