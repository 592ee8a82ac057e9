# The field is renamed in Django's state only and keeps its column.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("blog", "0007_fill_slugs")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(model_name="post", old_name="title", new_name="headline"),
                migrations.AlterField(
                    model_name="post", name="headline", field=models.CharField(max_length=200, db_column="title")
                ),
            ],
            database_operations=[],
        ),
    ]
