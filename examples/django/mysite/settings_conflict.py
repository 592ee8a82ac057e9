"""Settings of the example's merge-conflict variant: two branches each added a billing migration."""
from mysite.settings import *  # noqa: F401,F403

INSTALLED_APPS = ["billing"]
