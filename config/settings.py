"""Settings, all from the environment (12-factor). Safe local defaults: SQLite, eager tasks, console email.

Production must set DEBUG off (the default), SECRET_KEY, FIELD_ENCRYPTION_KEY, DATABASE_URL, CELERY_BROKER_URL,
EMAIL_URL and ALLOWED_HOSTS; a missing or malformed value stops start-up with ImproperlyConfigured.
"""

import base64
import binascii
import datetime
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# Local-only fallbacks: refusing to start without them in production keeps a demo key out of real use.
_DEMO_SECRET_KEY = "demo-only-not-secret-8d3f0c1e6b2a4f7d9e5c3b1a0f8e6d4c"  # noqa: S105
_DEMO_FIELD_ENCRYPTION_KEY = "ZGVtby1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE="


def _required_unless_debug(name: str, demo_value: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return demo_value
    raise ImproperlyConfigured(f"Set the {name} environment variable (it has a default only when DEBUG is on).")


def _fernet_key(name: str, value: str) -> str:
    """A Fernet key is 32 bytes, URL-safe base64; anything else would only fail at the first encryption."""
    try:
        raw = base64.urlsafe_b64decode(value.encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"{name} must be 32 bytes in URL-safe base64; make one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
        )
    return value


SECRET_KEY = _required_unless_debug("SECRET_KEY", _DEMO_SECRET_KEY)
# Encrypts personal fields (NIK, phone) at rest and keys their lookup hashes.
FIELD_ENCRYPTION_KEY = _fernet_key(
    "FIELD_ENCRYPTION_KEY", _required_unless_debug("FIELD_ENCRYPTION_KEY", _DEMO_FIELD_ENCRYPTION_KEY)
)

# Older keys that still decrypt, newest first, while data is re-encrypted after a key rotation.
FIELD_ENCRYPTION_KEY_FALLBACKS = [
    _fernet_key("FIELD_ENCRYPTION_KEY_FALLBACKS", key) for key in env.list("FIELD_ENCRYPTION_KEY_FALLBACKS", default=[])
]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config.apps.AdminConfig",  # our admin site: access comes from agencies.access, not Django permissions
    "django.contrib.auth",
    "django.contrib.contenttypes",
    # Django's database sessions with the user, IP and browser beside each (agencies.sessions: "My sessions").
    "qsessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served by us: offices' networks filter CDNs
    "django_celery_beat",
    "csp",  # its system checks (the policy itself is the middleware's)
    # Staff two-factor (issue 18): TOTP devices and one-time recovery codes; the pages are ours (agencies.two_factor).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Lockout after failed sign-ins and failed codes, per username and address (agencies.two_factor).
    "axes",
    "agencies",
    "cases",
    "programs",
    "funding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "agencies.sessions.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor (and its device still exists).
    "django_otp.middleware.OTPMiddleware",
    # The request a service runs in, for the step-up check of services (agencies.step_up.require).
    "agencies.step_up.StepUpMiddleware",
    # The account's language, not the browser's, once someone has signed in (API clients keep Accept-Language).
    "agencies.middleware.AccountLanguageMiddleware",
    "agencies.middleware.AccessCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session limits, checked before any view runs (needs the user, the language and messages).
    "agencies.sessions.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a lockout into our Indonesian page (agencies.two_factor.lockout_response).
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out (username, address) before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-wide overrides of the admin's own templates (INSTALLED_APPS puts the admin's first).
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # The breadcrumbs' menu group (config/admin_breadcrumbs.py), for the admin's templates and ours.
            "libraries": {"menu_group": "config.admin_breadcrumbs"},
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
# Length 12+, Django's list of 20,000 common passwords, nothing like the account's own names, and none of the words an
# attacker tries first here: agency and region names and the product's own (agencies.passwords).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "agencies.passwords.ContextWordsValidator"},
]

# Staff see Indonesian by default and may switch to English; code and identifiers stay English.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
# Dates as `4 Des 2026` in both languages, typed day first (config/formats).
FORMAT_MODULE_PATH = ["config.formats"]
# Stored in UTC; shown in Jakarta time unless an office's own zone applies (GLOSSARY: WIB/WITA/WIT).
TIME_ZONE = "Asia/Jakarta"
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

LOGIN_URL = "admin:login"

# Two-factor (issue 18, agencies.two_factor): every staff account signs in with a password and a code from an
# authenticator app (TOTP), or one of its recovery codes. The name the app shows beside the account:
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Rehabilitasi Sosial")
# django-otp's own throttling slows a device down after failures whoever sends them, which lets anyone lock a
# colleague out by their username alone; the lockout below counts per username and address instead.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Revealing a NIK in full and case-level exports ask for the code again when it was last given longer ago.
STEP_UP_MINUTES = env.int("STEP_UP_MINUTES", default=5)

# Lockout (django-axes): LOCKOUT_FAILURE_LIMIT failed passwords or codes for one username from one address lock that
# pair for LOCKOUT_COOLOFF_MINUTES (each further try during the lockout starts it again). The username alone is never
# locked: anyone could then lock a colleague out.
AXES_FAILURE_LIMIT = env.int("LOCKOUT_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.float("LOCKOUT_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "agencies.two_factor.lockout_response"
# A successful password does not clear the count: only a full sign-in (password and code) does
# (agencies.two_factor), else a known password would buy unlimited code guesses.
AXES_RESET_ON_SUCCESS = False
# Our trail records each failure and lockout (agencies.audit); axes's own logs of every sign-in are not kept.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False  # its lists would bypass the access rule; province staff read lockouts through ours
# Never kept in clear in axes's rows: the password (always), the code, the username typed.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "password", "token"]
# The client's address: REMOTE_ADDR, unless LOCKOUT_PROXY_COUNT proxies in front of the app add X-Forwarded-For (a
# header a client could otherwise forge to get a fresh count per request).
LOCKOUT_PROXY_COUNT = env.int("LOCKOUT_PROXY_COUNT", default=0)
if LOCKOUT_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = LOCKOUT_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME.total_seconds() <= 0 or STEP_UP_MINUTES < 0:
    raise ImproperlyConfigured(
        "LOCKOUT_FAILURE_LIMIT and LOCKOUT_COOLOFF_MINUTES: above 0; STEP_UP_MINUTES: 0 or more."
    )

# Email: console in the demo, SMTP in production, e.g. EMAIL_URL=smtp+tls://user:pass@mail.example:587
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Rehabilitasi Sosial <no-reply@localhost>")

# Celery: Redis in production and CI. With no broker (the demo) tasks run in-process, so nothing needs Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With acks_late, a task whose worker lost the broker is given back rather than finished unacknowledged (the
# Celery 6 default; a send in progress is guarded by its Notification row's lock either way).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An API write must not hang while Redis is down: its email waits in the outbox (agencies.Notification) instead.
# Publishing gives up after about a second (kombu would otherwise keep retrying for its connect timeout).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    # With acks_late, a task whose worker died is handed to another worker after this many seconds (Redis keeps it
    # as unacknowledged until then). Longer than the longest task: an export still running when it passes is
    # started a second time, and only the newer attempt may finish it (agencies.exports).
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
# Schedules live in the database (django-celery-beat) so province staff can change times in the admin.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True

# Reminders (agencies.notifications). When they go out is a schedule in the database (the admin's "Periodic
# tasks": one morning run per time zone); what is due is computed in each recipient's office's time zone.
REMINDER_DUE_WITHIN_DAYS = env.int("REMINDER_DUE_WITHIN_DAYS", default=7)
REMINDER_ESCALATE_AFTER_DAYS = env.int("REMINDER_ESCALATE_AFTER_DAYS", default=14)
REMINDER_APPROVAL_WAITING_HOURS = env.int("REMINDER_APPROVAL_WAITING_HOURS", default=24)
REMINDER_BATCH_NOTICE_DAYS = env.int("REMINDER_BATCH_NOTICE_DAYS", default=3)
# Links in emails point here (the admin); no personal data ever goes into a link.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# A failed send is tried again after this, doubling each time up to an hour.
NOTIFICATION_RETRY_SECONDS = env.int("NOTIFICATION_RETRY_SECONDS", default=60)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# Figures (issue 17, agencies.figures): counts of 1..SUPPRESSION_K-1 people are hidden from everyone but the
# office that owns them; SUPPRESSION_ROUNDING, when not 0, rounds the published counts to that base. Figures older
# than FIGURES_STALE_AFTER_HOURS (the nightly refresh plus a margin) read as incomplete, never as 0.
SUPPRESSION_K = env.int("SUPPRESSION_K", default=5)
SUPPRESSION_ROUNDING = env.int("SUPPRESSION_ROUNDING", default=0)
FIGURES_STALE_AFTER_HOURS = env.int("FIGURES_STALE_AFTER_HOURS", default=26)
if SUPPRESSION_K < 1 or SUPPRESSION_ROUNDING < 0 or FIGURES_STALE_AFTER_HOURS < 1:
    raise ImproperlyConfigured("SUPPRESSION_K, FIGURES_STALE_AFTER_HOURS: at least 1; SUPPRESSION_ROUNDING: 0 or more.")

# Retention (issue 18, agencies.retention): how long each class of record is kept before it is pseudonymized or
# deleted. Cases count from their closure; the trail from its event; export files from their making.
RETENTION_CASE_YEARS = env.int("RETENTION_CASE_YEARS", default=5)
RETENTION_AUDIT_YEARS = env.int("RETENTION_AUDIT_YEARS", default=10)
RETENTION_ACCOUNT_YEARS = env.int("RETENTION_ACCOUNT_YEARS", default=2)
RETENTION_PRIVACY_REQUEST_YEARS = env.int("RETENTION_PRIVACY_REQUEST_YEARS", default=5)
if min(RETENTION_CASE_YEARS, RETENTION_AUDIT_YEARS, RETENTION_ACCOUNT_YEARS, RETENTION_PRIVACY_REQUEST_YEARS) < 1:
    raise ImproperlyConfigured("RETENTION_*_YEARS: at least 1.")

# The breach register (issue 18 item 10, agencies.incidents): whom the notice to the authority is addressed to.
# Until the PDP agency of UU 27/2022 art. 58 exists, Komdigi's directorate general for digital-space supervision
# carries out its supervision; set the agency's name here once it is formed.
PDP_AUTHORITY_NAME = env.str(
    "PDP_AUTHORITY_NAME",
    default="Direktorat Jenderal Pengawasan Ruang Digital, Kementerian Komunikasi dan Digital (Komdigi)",
)

# The fast path (agencies.fastpath): each part has its switch here and a plain fallback.
# Access rules built once per process and kept per scope (agencies.fastpath.memo); off, built on every use.
ACCESS_MEMO = env.bool("ACCESS_MEMO", default=True)
# The API's hot reads run as server-side prepared statements on PostgreSQL (agencies.fastpath.statements). Switch off
# behind a pooler that does not keep a session per client (PgBouncer in transaction mode).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
# A dashboard's table reads compiled once per reader's scope and run as prepared statements (agencies.figures, with
# ACCESS_MEMO); off, the ORM builds each one.
FIGURES_COMPILED = env.bool("FIGURES_COMPILED", default=True)
# A dashboard's tables read in one statement, a UNION ALL of each table's own compiled read (agencies.figures.
# read_together, with FIGURES_COMPILED, on PostgreSQL); off, one statement per table.
FIGURES_BATCHED = env.bool("FIGURES_BATCHED", default=True)
# The dashboard's filter <select>s written in Python, the same HTML as Django's templates (agencies.dashboards).
DASHBOARD_LEAN_SELECT = env.bool("DASHBOARD_LEAN_SELECT", default=True)
# The keys a reader's figures carry (the dashboard's filter choices) kept per process under the reader's grants and
# the last refresh (agencies.dashboards, with ACCESS_MEMO); off, read on every page.
DASHBOARD_CHOICES_MEMO = env.bool("DASHBOARD_CHOICES_MEMO", default=True)
# The dashboard's numbers and month names as text kept per process and language (agencies.fastpath.formats); off,
# Django localizes each one anew.
DASHBOARD_FORMAT_MEMO = env.bool("DASHBOARD_FORMAT_MEMO", default=True)
# The case list and detail (with no filter, or `updated_since` alone) run as SQL compiled once per scope
# (cases.api.case_rows); off, through the ORM and the filter set on every request.
API_COMPILED_READS = env.bool("API_COMPILED_READS", default=True)
# A page's encrypted fields are decrypted together, in one AES pass (agencies.encryption.decrypt_many); off, one
# Fernet call per value.
FIELD_DECRYPTION_BATCHED = env.bool("FIELD_DECRYPTION_BATCHED", default=True)
# The admin's case list and trail draw their rows with each column worked out once per page
# (agencies/templatetags/lean_rows.py, the same HTML); off, Django's own rows.
ADMIN_LEAN_ROWS = env.bool("ADMIN_LEAN_ROWS", default=True)
# The admin's menu (every page's sidebar) is kept per process under the person's grants and language, and the
# sidebar's HTML with it (agencies.fastpath.admin_menu); off, every page asks each registered page's permissions
# again and draws the sidebar anew.
ADMIN_MENU_MEMO = env.bool("ADMIN_MENU_MEMO", default=True)
# The write services' one-row locks, inserts, updates and key lookups run as SQL compiled once per process
# (agencies/fastpath/saves.py); off, the ORM builds each statement on every call.
SERVICES_COMPILED = env.bool("SERVICES_COMPILED", default=True)
# The long lists' filter panels (case list, trail) drawn with query strings joined from parts encoded once and their
# choices joined in Python, the trail's action labels sorted once per language (agencies.fastpath.admin_filters);
# off, Django's own.
ADMIN_LEAN_FILTERS = env.bool("ADMIN_LEAN_FILTERS", default=True)
# API client tokens are remembered per process and forgotten when PostgreSQL notifies a change
# (agencies.fastpath.token_cache); that needs a LISTEN that lasts, so it too is off behind such a pooler.
API_TOKEN_CACHE = env.bool("API_TOKEN_CACHE", default=DATABASE_PREPARED_STATEMENTS)
# The case page draws its read-only fields in Python (agencies/templatetags/lean_fieldsets.py, the same HTML) and
# reads its history through statements compiled once per process (cases.case_page); off, Django's fieldset template
# and the ORM on every page.
ADMIN_LEAN_CASE_PAGE = env.bool("ADMIN_LEAN_CASE_PAGE", default=True)
# The budget realization per allocation, source, program or district is compiled once per scope and run as a
# prepared statement (funding.selectors); off, through the ORM on every call.
REALIZATION_COMPILED = env.bool("REALIZATION_COMPILED", default=True)

# Exports (agencies.exports): files written by a worker, encrypted, under EXPORT_DIR; a download link works for
# EXPORT_LINK_MAX_AGE seconds and only for the person who asked; files are deleted after EXPORT_KEEP_DAYS.
EXPORT_DIR = env.path("EXPORT_DIR", default=str(BASE_DIR / "var" / "exports"))
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)
EXPORT_LINK_MAX_AGE = env.int("EXPORT_LINK_MAX_AGE", default=24 * 3600)
# Rows read per keyset query (WHERE pk > last ORDER BY pk LIMIT n): no server-side cursor, so PgBouncer in
# transaction mode works, and memory stays flat however long the list.
EXPORT_CHUNK_SIZE = env.int("EXPORT_CHUNK_SIZE", default=2000)
# Seconds to wait between chunks: 0 in production; the worker-restart test slows an export down with it.
EXPORT_CHUNK_DELAY = env.float("EXPORT_CHUNK_DELAY", default=0.0)

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "agencies.api.authentication.ApiClientAuthentication",
        # Staff's admin session, only once it passed the second factor; never a password (no Basic authentication).
        "agencies.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["agencies.api.permissions.IsMember"],
    # Filters built from a view's `filterset_fields` are plain ids and strict yes/no (agencies.api.filters).
    "DEFAULT_FILTER_BACKENDS": ["agencies.api.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "agencies.api.pagination.SyncCursor",
    "DEFAULT_THROTTLE_CLASSES": ["agencies.api.throttling.PerCallerThrottle"],
    # Per API client (or user). With several gunicorn workers set CACHE_URL to Redis so they share the count.
    "DEFAULT_THROTTLE_RATES": {"caller": env.str("API_RATE", default="600/min")},
    "EXCEPTION_HANDLER": "agencies.api.errors.handle",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON only, both ways (issue 13): the browsable API's forms listed rows outside the caller's scope.
    "DEFAULT_RENDERER_CLASSES": ["agencies.api.renderers.OrjsonRenderer"],
    "DEFAULT_PARSER_CLASSES": ["agencies.api.parsers.JsonParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "agencies.api.negotiation.JsonOnly",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "TITLE": "Rehabilitasi Sosial partner API",
    "DESCRIPTION": "For NGOs (LKS) and partner agencies: intake, cases, referrals, batches, attendance, follow-ups.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "agencies.api.schema.add_problem_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AgencyKindEnum": "agencies.models.Agency.Kind",
        "SiteKindEnum": "cases.models.Site.Kind",
        "ReferralKindEnum": "cases.models.Referral.Kind",
        "ReferralStatusEnum": "cases.models.Referral.Status",
        "CaseStageEnum": "cases.models.Case.Stage",
        "ProgramKindEnum": "programs.models.Program.Kind",
        "BatchStatusEnum": "programs.models.Batch.Status",
        "EnrollmentStatusEnum": "programs.models.Enrollment.Status",
        "BenefitKindEnum": "funding.models.Benefit.Kind",
        "EntitlementStatusEnum": "funding.models.Entitlement.Status",
        "DisbursementStatusEnum": "funding.models.Disbursement.Status",
    },
}

# API tokens: last-used time is written at most this often, so every request is not also a write.
API_CLIENT_LAST_USED_RESOLUTION_SECONDS = env.int("API_CLIENT_LAST_USED_RESOLUTION_SECONDS", default=60)

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Sessions (issue 18, agencies.sessions): a signed-in session ends after SESSION_IDLE_MINUTES without a request and
# SESSION_ABSOLUTE_HOURS after signing in, whatever the activity; the person is told why on the sign-in page.
SESSION_ENGINE = "qsessions.backends.db"
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)
if SESSION_IDLE_MINUTES < 1 or SESSION_ABSOLUTE_HOURS < 1:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES and SESSION_ABSOLUTE_HOURS: at least 1.")
# No session row or cookie outlives the absolute limit (plus the idle one, to say why on the way out).
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600 + SESSION_IDLE_MINUTES * 60
# Behind a proxy that appends the client's address to X-Forwarded-For: "My sessions" shows that address.
SESSION_IP_FROM_FORWARDED_FOR = env.bool("SESSION_IP_FROM_FORWARDED_FOR", default=False)

# HTTPS (manage.py check --deploy; .ci/run checks it under production-like variables). Behind a proxy that ends TLS,
# SECURE_PROXY_SSL_HEADER names the header it sets, e.g. "HTTP_X_FORWARDED_PROTO,https"; set it only when the proxy
# always sets or overwrites that header.
_proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_header and len(_proxy_header) != 2:
    raise ImproperlyConfigured(
        'SECURE_PROXY_SSL_HEADER is a header and its value, e.g. "HTTP_X_FORWARDED_PROTO,https".'
    )
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) or None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Only a request to the browsers' preload list (by the domain's owner) acts on this; the header alone changes nothing.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Content Security Policy (django-csp): nothing from another origin (offices' networks filter CDNs, and a page holding
# personal data loads only our own files), no inline script or style without the page's nonce
# (`nonce="{{ request.csp_nonce }}"`), no plugins, no framing, forms post only to us. Charts are SVG drawn by the
# server into the page; images may be data: URLs (the admin's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

DEFAULT_EXCEPTION_REPORTER_FILTER = "config.error_reports.PersonalDataFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
