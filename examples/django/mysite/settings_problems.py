"""Settings of the example's blocked variant: migrations deployctl refuses to release as written."""
from mysite.settings import *  # noqa: F401,F403

INSTALLED_APPS = ["reviews", "loyalty"]
