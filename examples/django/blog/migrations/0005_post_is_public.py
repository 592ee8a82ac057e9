from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("blog", "0004_placeholder")]

    operations = [
        migrations.AddField(model_name="post", name="is_public", field=models.BooleanField(default=False)),
    ]
