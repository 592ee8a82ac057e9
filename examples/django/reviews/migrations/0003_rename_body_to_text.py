# Blocked: RenameField emits ALTER TABLE ... RENAME COLUMN; the old code reads `body` and the new
# code reads `text`, so one of them fails whichever order is chosen. The fix is
# accounts/migrations/0004_rename_email_to_login.py: rename in Django's state, keep the column.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reviews", "0002_review_created_idx")]

    operations = [
        migrations.RenameField(model_name="review", old_name="body", new_name="text"),
    ]
