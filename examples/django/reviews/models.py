from django.db import models


class Review(models.Model):
    text = models.TextField()
    score = models.IntegerField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="reviews_created_idx")]
