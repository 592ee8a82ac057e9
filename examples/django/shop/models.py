from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=200)
    price_cents = models.IntegerField()
    sku = models.CharField(max_length=64, null=True)

    class Meta:
        indexes = [models.Index(fields=["name"], name="shop_product_name_idx")]
