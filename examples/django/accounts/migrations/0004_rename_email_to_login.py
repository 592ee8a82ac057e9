# A rename the old code survives: the field is renamed in Django's state only and keeps its
# column through db_column, so no SQL runs. (RenameField would emit ALTER TABLE ... RENAME
# COLUMN, which breaks whichever code version uses the other name.)
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_backfill_display_name")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(model_name="customer", old_name="email", new_name="login"),
                migrations.AlterField(model_name="customer", name="login", field=models.EmailField(max_length=254, db_column="email")),
            ],
            database_operations=[],
        ),
    ]
