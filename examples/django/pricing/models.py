from django.db import models


class Plan(models.Model):
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, default="EUR")
