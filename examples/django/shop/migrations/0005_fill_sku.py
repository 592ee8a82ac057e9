# deployctl:phase post the new code writes sku for new products; backfill the rest once it serves
from django.db import migrations


def fill_sku(apps, schema_editor):
    Product = apps.get_model("shop", "Product")
    for product in Product.objects.filter(sku__isnull=True).iterator():
        product.sku = f"SKU-{product.pk:06d}"
        product.save(update_fields=["sku"])


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_remove_product_legacy_code")]

    operations = [
        migrations.RunPython(fill_sku, migrations.RunPython.noop),
    ]
