# Blocked: AddIndex emits a plain CREATE INDEX, which blocks every write to reviews_review while
# the index builds. The fix is shop/migrations/0003_product_name_idx.py: AddIndexConcurrently in a
# migration with atomic = False.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [
        migrations.AddIndex(model_name="review", index=models.Index(fields=["created_at"], name="reviews_created_idx")),
    ]
