"""Settings of the schema-hygiene variant: the `catalog` app beside two of Django's contrib apps."""
from mysite.settings import *  # noqa: F401,F403

INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "catalog"]
