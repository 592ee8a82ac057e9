"""A catalog that owns its schema, with one model of each kind `deployctl check` looks at.

Publisher, Book, Authorship, Tag and Comment name their tables; Author keeps the generated one
(catalog_author). Book's authors go through a declared join table, its tags through the hidden
catalog_book_tags. Comment points at any row through a GenericForeignKey. Book's cache key carries
its schema hash, so a release that changes the book table never reads a book cached before it.
"""
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from catalog.schema_hashes import SCHEMA_HASH


class Publisher(models.Model):
    name = models.CharField(max_length=200)

    class Meta:
        db_table = "publisher"


class Author(models.Model):
    name = models.CharField(max_length=200)
    born = models.DateField(null=True)


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        db_table = "tag"


class Book(models.Model):
    title = models.CharField(max_length=200)
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT)
    authors = models.ManyToManyField(Author, through="Authorship")
    tags = models.ManyToManyField(Tag)

    class Meta:
        db_table = "book"

    def cache_key(self):
        return f"Book:{SCHEMA_HASH['catalog.Book']}:{self.pk}"


class Authorship(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)

    class Meta:
        db_table = "authorship"
        unique_together = [("book", "author")]


class Comment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.BigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    body = models.TextField()

    class Meta:
        db_table = "comment"
