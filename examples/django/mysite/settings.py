"""Settings of the releasable example: the apps `shop` and `accounts`.

The database comes from DATABASE_URL (postgres://user:password@host:port/name), the variable
deployctl passes to every manage.py command it runs.
"""
import os
from urllib.parse import unquote, urlparse

SECRET_KEY = "example-only"
DEBUG = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = ["shop", "accounts"]


def database_from_url(url):
    parts = urlparse(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


if "DATABASE_URL" not in os.environ:
    raise RuntimeError("set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/shop")
DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
