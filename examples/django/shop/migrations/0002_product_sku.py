# Add a nullable column: the old code never selects it, so this runs before the rollout.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="product", name="sku", field=models.CharField(max_length=64, null=True)),
    ]
