# DROP COLUMN: the old code still selects legacy_code (Django selects every field), so deployctl
# defers this migration until the new code, which no longer has the field, is live.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_product_name_idx")]

    operations = [
        migrations.RemoveField(model_name="product", name="legacy_code"),
    ]
