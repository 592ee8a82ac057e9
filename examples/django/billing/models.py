from django.db import models


class Invoice(models.Model):
    amount_cents = models.IntegerField()
    due_date = models.DateField(null=True)
    paid_at = models.DateTimeField(null=True)
