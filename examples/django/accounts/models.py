from django.db import models


class Customer(models.Model):
    # Renamed from `email` in the code only: the column keeps its name (see 0004).
    login = models.EmailField(max_length=254, db_column="email")
    display_name = models.CharField(max_length=100, null=True)
