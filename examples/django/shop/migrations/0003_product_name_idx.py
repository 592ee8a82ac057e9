# An index built without blocking writes. A plain AddIndex emits CREATE INDEX, which blocks every
# write to the table for the whole build; AddIndexConcurrently emits CREATE INDEX CONCURRENTLY,
# which PostgreSQL refuses inside a transaction, hence atomic = False.
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0002_product_sku")]

    operations = [
        AddIndexConcurrently(model_name="product", index=models.Index(fields=["name"], name="shop_product_name_idx")),
    ]
