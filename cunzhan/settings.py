"""Settings, read from the environment with safe defaults.

Production is the default: DEBUG is off and SECRET_KEY must be given. ``make run``
sets DEBUG=true for the local demo.
"""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

import environ
from bootstrap_wrapper import get_bootstrap_dir
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from cunzhan.core.dates import TIME_ZONE_NAME

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(environ.Env().str("CUNZHAN_VAR_DIR", default=str(Path.cwd() / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
_DEV_SECRET = "insecure-dev-only-secret-key-not-for-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if not env.str("DATABASE_URL", default=""):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'cunzhan.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# a connection per worker kept for a minute (checked before reuse): a new PostgreSQL connection per
# request halved the throughput of the load test
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer commits; the timeout waits out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # JIT compilation pays off for long analytic queries only; here it added a second or more to
    # aggregate queries that run in tens of milliseconds without it
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # Server-side binding with statements prepared on their fifth use in a connection (psycopg's
    # default; Django turns it off for the sake of connection poolers, and none is used here). A query
    # that cannot prune the ledgers' monthly partitions (a station's list, a parcel's number) is planned
    # over every month: as a prepared statement that planning is done once per connection, not once
    # per request. It cut the database's CPU in the load test's mix by a quarter.
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
# High availability (issue 25, cunzhan/core/replicas.py, docs/deployment.md): DATABASE_URL may name every
# node of a Patroni cluster, libpq's multi-host form, postgres://u@node1:5432,node2:5432/cunzhan?
# target_session_attrs=read-write (each new connection finds the current primary), and
# DATABASE_REPLICA_URL the same nodes with target_session_attrs=prefer-standby: the pages that may read
# a moment-old copy (boards, public pages, exports; @replica_reads()) read it there. Without it the
# replica alias is the default database again (a test mirror of it) and nothing is routed to it.
_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if _REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(_REPLICA_URL)
    for _key in ("ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        DATABASES["replica"][_key] = DATABASES["default"][_key]
    if DATABASES["replica"]["ENGINE"] == DATABASES["default"]["ENGINE"]:
        # the primary's session settings and statement preparation, not its target_session_attrs
        _options = DATABASES["replica"].setdefault("OPTIONS", {})
        for _key in ("options", "server_side_binding", "prepare_threshold"):
            if _key in DATABASES["default"].get("OPTIONS", {}):
                _options.setdefault(_key, DATABASES["default"]["OPTIONS"][_key])
else:
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASE_REPLICA_READS = bool(_REPLICA_URL)
DATABASE_ROUTERS = ["cunzhan.core.replicas.ReplicaRouter"]
# A request that lost its database (a failover under way) answers 503 with this Retry-After
DATABASE_RETRY_AFTER_SECONDS = env.int("DATABASE_RETRY_AFTER_SECONDS", default=5)
# pgBackRest (``cunzhan backup --pgbackrest``): its configuration file and the stanza backed up
PGBACKREST_CONFIG = env.str("PGBACKREST_CONFIG", default="")
PGBACKREST_STANZA = env.str("PGBACKREST_STANZA", default="cunzhan")
# PostgreSQL, least privilege (docs/deployment.md): the role the app runs as, given its grants by
# ``cunzhan grant-runtime`` after every ``migrate`` and ``restore`` (run as the tables' owner) when named
DATABASE_RUNTIME_ROLE = env.str("DATABASE_RUNTIME_ROLE", default="")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL: the first month given its own ledger partition (older dates go to the default partition)
LEDGER_PARTITIONS_FROM = env.str("LEDGER_PARTITIONS_FROM", default="2025-01")
# and how many months ahead of the current one are created: no entry is dated in the future, and every
# empty partition makes each query that cannot prune by month dearer to plan (11 empty months cost a
# query on the parcels 0.6 ms of planning)
LEDGER_PARTITIONS_AHEAD = env.int("LEDGER_PARTITIONS_AHEAD", default=2)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "axes",
    "auditlog",
    "cunzhan.core",
    "cunzhan.regions",
    "cunzhan.accounts",
    "cunzhan.stations",
    "cunzhan.activities",
    "cunzhan.supervision",
    "cunzhan.ledgers",
    "cunzhan.reports",
    "cunzhan.assessment",
    "cunzhan.onboarding",
    "cunzhan.notices",
    "cunzhan.dashboards",
    "huey.contrib.djhuey",
    "cunzhan.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cunzhan.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "cunzhan.accounts.middleware.PasswordChangeRequiredMiddleware",
    "cunzhan.core.middleware.BadInputMiddleware",
    "cunzhan.core.middleware.DatabaseUnavailableMiddleware",
    # AxesMiddleware must be last: it turns lockouts into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cunzhan.urls"
WSGI_APPLICATION = "cunzhan.wsgi.application"

# The pages are Jinja2 templates (``<app>/jinja2/``, cunzhan.site.templating); Django's engine stays for
# the templates of installed packages (the API's documentation page)
TEMPLATES = [
    {
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "cunzhan.site.templating.Environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cunzhan.site.context_processors.navigation",
                "cunzhan.site.templating.translations",
            ],
        },
    },
    {"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True},
]

# Form widgets drawn from Django's own Jinja2 copies of its widget templates: the same HTML (the ledger
# forms were compared byte for byte) at a fraction of the cost; the phone's entry form page took 19 % less
FORM_RENDERER = "django.forms.renderers.Jinja2"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "cunzhan.accounts.backends.AccountBackend",  # Django's ModelBackend, its session user read without the ORM
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "cunzhan.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "cunzhan.accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# 等保2.0 level 2: 30 minutes idle ends the session; every request renews it.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
# database sessions renewed at most once a minute, not on every page view (accounts/sessions.py)
SESSION_ENGINE = "cunzhan.accounts.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# 5 failed logins lock the account for 15 minutes.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCK_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# The lock lasts 15 minutes from the fifth failure; retrying meanwhile does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The failure log is kept whole for 180 days like the other logs (purge-logs removes older rows). axes
# would otherwise delete a user's newest failures past a thousand on each further failure, which the
# log's trigger and the runtime role refuse: from then on every failed login of that name would fail.
AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT = 2**62
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0) or None

AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False
AUDIT_RETENTION_DAYS = 180  # 等保2.0: logs kept at least 180 days; purge refuses anything shorter.

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = TIME_ZONE_NAME  # cunzhan.core.dates: the one spelling
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(VAR_DIR / "static"))
# ECharts (Apache-2.0) ships inside the vizly package; found without importing it (pandas)
_ECHARTS_DIR = Path(next(iter(importlib.util.find_spec("vizly").submodule_search_locations))) / "assets"
STATICFILES_DIRS = [("bootstrap", str(get_bootstrap_dir())), ("echarts", str(_ECHARTS_DIR))]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Assets come from installed packages; whitenoise serves them straight from the finders
# so the app needs no separate web server or collectstatic step to be usable.
WHITENOISE_USE_FINDERS = True
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise expects it, even when empty
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"

# Upward export (cunzhan/reports): the city / province platform's receiving URL; empty means
# transmissions are prepared for download and sent by hand.
UPWARD_ENDPOINT = env.str("UPWARD_ENDPOINT", default="")

# Security headers; cookies are Secure and HTTPS enforced unless DEBUG (the local demo is plain HTTP).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "cunzhan.core.errors.csrf_failure"  # "the form expired", in Chinese
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = [
    "security.W021",  # HSTS preload is a browser-list decision, not ours
    # Lockout is per account (等保: lock the account). Locking per IP too would lock out a whole
    # township office behind one NAT address after five typos by anyone in it.
    "axes.W006",
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Every page's scripts, styles and images from this server, and nothing inline: a script element, an
# event handler attribute or a style attribute that found its way into a page is refused by the browser.
# The pages' scripts are static files (docs/deployment.md, "Content-Security-Policy", says how to add
# one); htmx is told not to inject its indicator style (layout.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # data: for the icons inside Bootstrap's and Swagger UI's stylesheets
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],  # as X_FRAME_OPTIONS, for the browsers that read only this
    },
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Table files (ledgers, stations, attendance) are refused before they are parsed when over these
# (cunzhan/core/uploads.py). 250,000 rows of a ledger are about 12 MB as .xlsx, 110 MB unpacked.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=200 * 1024 * 1024)
IMPORT_MAX_RATIO = env.int("IMPORT_MAX_RATIO", default=100)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=250_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=200)
# The platforms the import templates offer in their 网店/平台 and 合作平台 columns (comma-separated): a
# suggestion only, any other platform may be typed (cunzhan/core/import_templates.py)
IMPORT_PLATFORMS = env.list(
    "IMPORT_PLATFORMS",
    default=[
        "淘宝",
        "天猫",
        "京东",
        "拼多多",
        "抖音",
        "快手",
        "微信小程序",
        "邮乐购",
        "832平台",
        "供销e家",
        "苏宁易购",
    ],
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# The assessment's engine in this many processes for a province-sized batch (cunzhan.assessment.computation;
# slower than one on a shared 2-core machine, BENCHMARKS.md)
ASSESSMENT_PROCESSES = env.int("ASSESSMENT_PROCESSES", default=1)

# A county board (dashboard page, /api/v1/dashboards/summary) counted within this many seconds for
# the same scope, county and month is shown again, with the time it was counted; 0 counts every time
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=30)

if env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
        }
    }

# Notices and reminders (cunzhan/notices, docs/notices.md). The address the links in e-mail, SMS and the
# group robot start with, e.g. https://cunzhan.example.gov.cn (empty: the path alone)
SITE_URL = env.str("SITE_URL", default="")
# E-mail: smtp://user:password@host:587 (smtp+tls://, smtp+ssl://); without it e-mail is only logged
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
NOTICE_EMAIL_ENABLED = bool(EMAIL_URL)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="cunzhan@localhost")
EMAIL_TIMEOUT = 10
# SMS: "aliyun" (Aliyun 短信服务 SendSms) or empty, when SMS only goes to the delivery log, saying so
NOTICE_SMS_PROVIDER = env.str("NOTICE_SMS_PROVIDER", default="")
NOTICE_SMS_ENDPOINT = env.str("NOTICE_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
NOTICE_SMS_ACCESS_KEY_ID = env.str("NOTICE_SMS_ACCESS_KEY_ID", default="")
NOTICE_SMS_ACCESS_KEY_SECRET = env.str("NOTICE_SMS_ACCESS_KEY_SECRET", default="")
NOTICE_SMS_SIGN_NAME = env.str("NOTICE_SMS_SIGN_NAME", default="")
NOTICE_SMS_TEMPLATE = env.str("NOTICE_SMS_TEMPLATE", default="")
# a delivery that failed is tried again after 1, 2, 4, 8 … times this, and marked failed after the last try
NOTICE_RETRY_SECONDS = env.int("NOTICE_RETRY_SECONDS", default=60)
NOTICE_MAX_ATTEMPTS = env.int("NOTICE_MAX_ATTEMPTS", default=5)

# The job engine (Huey, docs/architecture.md "Jobs"): a file beside the SQLite database on the embedded
# default, Redis when REDIS_URL is set. `cunzhan run_huey` is the worker (`make run` starts it beside the
# server); the jobs themselves are rows of cunzhan.core's Job table, which the worker only drives.
if env.str("REDIS_URL", default=""):
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "cunzhan",
        "url": env.str("REDIS_URL"),
        "immediate": False,
        "consumer": {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"},
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "cunzhan",
        "filename": env.str("HUEY_FILE", default=str(VAR_DIR / "huey.sqlite3")),
        "immediate": False,
        "consumer": {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"},
    }
# a job's worker renews its lease this often (a third of it); a job whose lease ran out is taken again
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=60)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=3)
# a job that failed waits 1, 2, 4 … times this before its next attempt
JOB_RETRY_SECONDS = env.int("JOB_RETRY_SECONDS", default=60)
# the uploads and exports of finished jobs are removed after this many days (the job rows stay)
JOB_FILES_DAYS = env.int("JOB_FILES_DAYS", default=7)
JOB_HEARTBEAT = True
