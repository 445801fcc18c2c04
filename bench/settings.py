"""Settings for bench/api.py and the gunicorn it starts: production's, with the floor views' URLs added and
DEBUG off (DEBUG records every SQL statement, which would tax the view with more queries). Never deployed."""

import os

# Only so config.settings accepts its demo keys; DEBUG itself is turned off below.
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from config.settings import *  # noqa: E402, F403
from config.settings import REST_FRAMEWORK, env  # noqa: E402

DEBUG = False
ROOT_URLCONF = "bench.urls"
# Persistent connections, as production runs gunicorn.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)  # noqa: F405
# One client calls as fast as it can. DRF keeps a throttle's history of request times per caller, so a per-second
# window keeps that history as short as production's 600/min does, while never answering 429 to the bench.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"caller": "100000/s"}}
