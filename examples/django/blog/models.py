from django.conf import settings
from django.db import models


class Post(models.Model):
    # Renamed from `title` in the code only: the column keeps its name (see 0008).
    headline = models.CharField(max_length=200, db_column="title")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)
    slug = models.SlugField(max_length=200, null=True)
    summary = models.TextField(null=True)
    is_public = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["slug"], name="blog_post_slug_idx")]
