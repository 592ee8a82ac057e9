from django.db import migrations


def fill_slugs(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    for post in Post.objects.filter(slug__isnull=True).iterator():
        post.slug = f"post-{post.pk}"
        post.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [("blog", "0006_post_slug_idx")]

    operations = [
        migrations.RunPython(fill_slugs, migrations.RunPython.noop),
    ]
