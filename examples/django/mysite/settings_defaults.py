"""Settings of the example's field defaults and required columns: what Django emits for them, blocked."""
from mysite.settings import *  # noqa: F401,F403

INSTALLED_APPS = ["pricing"]
