"""A crawler of the admin as one signed-in person sees it: every link and every form reachable from the index.

Links and form actions are resolved against the page's own URL exactly as a browser resolves them (urljoin), so a
relative `href="move/"` on `/admin/cases/case/5/change/` is followed to `/admin/cases/case/5/change/move/`, as a
person clicking it would be. Each page is read for what a person would notice: a server error, a link that leads
nowhere, English words or raw codes on an Indonesian page, an ISO date, and too many database queries for one page.

It runs in-process through Django's test client so that each request's queries can be counted.
"""

import io
import re
import time
import traceback
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import openpyxl
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

ROOT = Path(__file__).resolve().parents[2]
QUERY_BOUND = 30  # a page a person reads
# Pages with a bound of their own, each set by its issue: the dashboard reads a table per chart (about 25) from the
# aggregate tables, and issue 17 bounds the national dashboard at 50 (tests/agencies/test_dashboard.py pins it,
# the same whatever the number of districts and months).
QUERY_BOUNDS = {re.compile(r"^/admin/agencies/figure/(\?|$)"): 50}
# The one POST every export button sends queues a background job; the test settings run Celery eagerly, so the
# crawl counts the whole file's writing too (the dashboard's tables: its ~30 reads, the file, the audit, the email).
# Likewise "Jalankan sekarang" of the retention register runs the nightly job inline: each person due is rewritten
# in every table that holds something of hers (about twenty, one statement each), with the demo's one case due.
WRITE_QUERY_BOUNDS = {
    re.compile(r"^/admin/agencies/export/request/$"): 80,
    re.compile(r"^/admin/agencies/retentionrun/run/$"): 80,
}
# A form's submission writes its rows, the audit row, perhaps a notification, and checks access again first.
WRITE_QUERY_BOUND = 50
PAGES_PER_PATTERN = 2  # instances of one URL pattern (ids normalised), e.g. two case pages
VARIANTS_PER_LIST = 2  # query-string variants (filters, sorting, search) of one list

# What a person must not be led to by the crawl: signing out, changing the password, switching the language (the
# crawl reads the account's language) and anything that deletes.
SKIPPED = re.compile(r"/logout/|/password_change/|/password/|/i18n/|/language/|/delete/|/setlang/")
# Pages read but whose forms are not sent: "Sesi saya" ends sessions, the crawl's own among them (a sign-out).
NOT_POSTED = re.compile(r"/admin/sessions/$")

# Common English function and interface words. Words English shares with Indonesian (data, status, total, program,
# admin, email, media, online, normal, final, global, ...) are not here on purpose.
ENGLISH = frozenset(
    """
    the of and to with for this that these those is are was were be been has have had will would can cannot could
    should must not or by from on at into your you my our it its which who what when where there here than then
    save add added change changed changes delete deleted view select selected search filters history home
    yes none all show date name case cases edit back next previous page go clear action actions item items object
    objects list another continue editing successfully please enter required field error errors sign out
    password welcome user users group groups permission permissions site administration recent documentation
    today yesterday tomorrow now unknown any new open close closed approve approved reject rejected pay paid
    paying pending received receipt reverse move refer referral consent reveal roster report reports record visit
    visits follow session sessions attendance batch batches disbursement disbursements installment installments
    realization month year week day days agency agencies region regions person people note notes notification
    notifications kind period type stage plan planned enrolled assessment intake duplicate possible
    entitlement budget ledger request requested approval sort ascending descending remove toggle sorting
    results result count submit update upload download export import choose currently
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december aug oct dec am pm
    saved created updated removed failed sent waiting due overdue finished running started starting cancelled
    cancel confirm print details reason amount missing invalid inactive description summary other others first
    last only every each more less before after between about if but because yet already again still
    allocation source ceiling committed remaining percent number numbers
    """.split()  # noqa: SIM905 - a word list reads best as words
)
# Proper names and acronyms that stay as they are in Indonesian.
# Also three Indonesian month names spelled as the English ones ("November 2026").
ALLOWED = frozenset(
    "polres nik bpjs csv xlsx rp lks api uep kk id wib wita wit dinsos kemensos april september november".split()  # noqa: SIM905
)
FILTERS_KEPT = "_changelist_filters"
URL = re.compile(r"https?://\S+|\S+@\S+")  # addresses (demo mail is @demo.invalid)
SQL_VALUES = re.compile(r"'[^']*'|\b\d+\b")
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]+(?:'[a-z]+)?(?![A-Za-z0-9])")  # not inside tokens like add5064b
ID_SEGMENT = re.compile(r"\d")  # ids, region codes (33.74), case numbers


def write_query_bound(url: str) -> int:
    path = urlsplit(url).path
    return next((bound for pattern, bound in WRITE_QUERY_BOUNDS.items() if pattern.search(path)), WRITE_QUERY_BOUND)


def query_bound(url: str) -> int:
    path = urlsplit(url).path + ("?" if urlsplit(url).query else "")
    return next((bound for pattern, bound in QUERY_BOUNDS.items() if pattern.search(path)), QUERY_BOUND)


@dataclass(frozen=True)
class Problem:
    url: str
    kind: str
    detail: str

    def __str__(self):
        return f"{self.url}  [{self.kind}]  {self.detail}"


@dataclass
class Form:
    action: str
    method: str
    fields: list = field(default_factory=list)  # (name, value) pairs the browser would send as the form stands
    hidden: list = field(default_factory=list)  # the form's own hidden fields (CSRF token, formset counts)
    boxes: list = field(default_factory=list)  # (name, value) of every checkbox, ticked or not
    options: dict = field(default_factory=dict)  # every option value of each select
    submits: list = field(default_factory=list)  # (name, value) of each named submit button


class Page(HTMLParser):
    """The parts of an HTML page the crawl needs: links, forms with their current values, and the visible text."""

    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.language = ""
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.texts: list[str] = []  # visible text pieces
        self.input_values: list[str] = []  # what text boxes show
        self._hidden_depth = 0
        self._form: Form | None = None
        self._select: tuple[str, list, list] | None = None  # name, options, selected
        self._option_value: str | None = None
        self._option_text: list[str] = []
        self._textarea: tuple[str, list] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if not self._hidden_depth:
            # What a pointer or a screen reader says about an element is read too.
            self.texts.extend(a[name] for name in ("title", "aria-label", "alt") if a.get(name))
        if tag in self.HIDDEN:
            self._hidden_depth += 1
        elif tag == "html":
            self.language = a.get("lang", "")
        elif tag == "a" and a.get("href") is not None:
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(action=a.get("action") or "", method=(a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif tag == "input":
            self._input(a)
        elif tag == "select":
            self._select = (a.get("name"), [], []) if "disabled" not in a else None
        elif tag == "option":
            self._option_value = a.get("value")
            self._option_text = []
            if self._select is not None and "selected" in a:
                self._select[2].append(a.get("value"))
        elif tag == "textarea":
            self._textarea = (a.get("name"), []) if "disabled" not in a else None
        elif tag == "button" and (a.get("type") or "submit") == "submit" and a.get("name") and self._form:
            self._form.submits.append((a["name"], a.get("value", "")))

    def _input(self, a):
        kind = (a.get("type") or "text").lower()
        if kind in ("submit", "button", "reset") and a.get("value"):
            self.texts.append(a["value"])
        if kind in ("text", "search", "number", "email", "tel", "url") and a.get("value"):
            self.input_values.append(a["value"])
        if a.get("placeholder"):
            self.texts.append(a["placeholder"])
        if self._form is None or not a.get("name") or "disabled" in a or kind in ("file", "image", "reset", "button"):
            return
        if kind == "submit":
            self._form.submits.append((a["name"], a.get("value", "")))
        elif kind in ("checkbox", "radio"):
            if kind == "checkbox":
                self._form.boxes.append((a["name"], a.get("value", "on")))
            if "checked" in a:
                self._form.fields.append((a["name"], a.get("value", "on")))
        else:
            self._form.fields.append((a["name"], a.get("value", "")))
            if kind == "hidden":
                self._form.hidden.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag == "form":
            self._form = None
        elif tag == "option" and self._select is not None:
            text = "".join(self._option_text).strip()
            value = self._option_value if self._option_value is not None else text
            self._select[1].append(value)
            self._option_value = None
        elif tag == "select" and self._select is not None:
            name, options, selected = self._select
            if self._form is not None and name:
                self._form.options[name] = options
                chosen = selected or [next((o for o in options if o), options[0] if options else "")]
                self._form.fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            if self._form is not None and name:
                self._form.fields.append((name, "".join(text).lstrip("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._hidden_depth:
            return
        if self._select is not None:
            self._option_text.append(data)
        if self._textarea is not None:
            self._textarea[1].append(data)
            self.input_values.append(data)
            return
        if data.strip():
            self.texts.append(data.strip())


def submissions(form: Form):
    """Each way a person can send this form: empty, as it stands with each of its buttons, and each list action
    on the list's first row."""
    buttons = form.submits[:4] or [None]
    yield "empty", form.hidden + [b for b in buttons[:1] if b]
    for button in buttons:
        yield (f"valid {button[0]}={button[1]}" if button else "valid"), form.fields + [b for b in [button] if b]
    rows = [value for name, value in form.boxes if name == "_selected_action"][:1]
    if rows:
        others = [(k, v) for k, v in form.fields if k != "action"]
        for action in form.options.get("action", []):
            if action and action != "delete_selected":
                yield f"action {action}", [*others, ("action", action), ("_selected_action", rows[0])]


def around(text: str, word: str, width: int = 120) -> str:
    """The part of a long text around the word found, so that whoever fixes it can find the string."""
    at = max(text.lower().find(word.lower()), 0)
    start = max(at - width // 2, 0)
    return ("…" if start else "") + text[start : start + width] + ("…" if start + width < len(text) else "")


def where_raised(error: Exception) -> str:
    """The project's own line that the error came through last (not Django's), for whoever fixes it."""
    ours = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if str(ROOT) in frame.filename and "/.venv/" not in frame.filename
    ]
    frame = (ours or traceback.extract_tb(error.__traceback__))[-1]
    return f"{Path(frame.filename).relative_to(ROOT) if ours else frame.filename}:{frame.lineno}"


def pattern(path: str) -> str:
    """The URL's pattern: ids replaced, so that one kind of page is visited a bounded number of times."""
    return "/".join("<id>" if ID_SEGMENT.match(part) else part for part in path.split("/"))


def english_words(text: str) -> list[str]:
    words = []
    text = URL.sub("", text)
    for match in WORD.finditer(text):
        word = match.group().lower()
        if word in ALLOWED or word not in ENGLISH:
            continue
        # "No." is Indonesian for "number" (No. KK, No. HP).
        if word == "no" and text[match.end() : match.end() + 1] == ".":
            continue
        words.append(word)
    return words


class Crawler:
    def __init__(self, client, start="/admin/"):
        self.client = client
        self.start = start
        self.problems: list[Problem] = []
        self.queue: deque[str] = deque([start])
        self.seen: set[str] = {start}
        self.per_pattern: Counter = Counter()
        self.variants: defaultdict[str, set] = defaultdict(set)
        self.submitted: set = set()
        self.pages = 0
        self.forms = 0
        self.queries: list[tuple[int, str]] = []
        self.referrer: dict[str, str] = {}
        self.flagged: set = set()
        self.notes: list[Problem] = []
        self.seconds: list[tuple[float, str]] = []

    def flag(self, problem: Problem):
        """Keep a problem once per kind of page: the same label on forty case pages is one problem."""
        key = (pattern(urlsplit(problem.url.split(" ")[0]).path), problem.kind, re.sub(r"\d+", "#", problem.detail))
        if key not in self.flagged:
            self.flagged.add(key)
            self.problems.append(problem)

    # --- what to visit -------------------------------------------------------------------------------------------

    def resolve(self, base: str, href: str) -> str | None:
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            return None
        absolute = urljoin("http://testserver" + base, href)
        parts = urlsplit(absolute)
        if parts.netloc != "testserver" or not parts.path.startswith("/admin/") or SKIPPED.search(parts.path):
            return None
        if "delete" in parts.query:
            return None
        # The list's filters carried along to an object page change nothing on it: one visit of the page will do.
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != FILTERS_KEPT])
        return parts.path + (f"?{query}" if query else "")

    def admit(self, url: str) -> bool:
        """Whether this URL is still worth a visit: a bounded number of each pattern and of each list's variants."""
        if url in self.seen:
            return False
        parts = urlsplit(url)
        key = pattern(parts.path)
        if parts.query:
            query = parse_qsl(parts.query, keep_blank_values=True)
            # Each download format is its own button (CSV, XLSX): one of each, beyond the list's variants.
            formats = {f"{name}={value}" for name, value in query if name == "format"}
            names = frozenset(name for name, _ in query) | formats
            variants = self.variants[key]
            if (len(variants) >= VARIANTS_PER_LIST and not formats) or names in variants:
                return False
            variants.add(names)
        else:
            # Django's history page is one view for every model: once per model is enough.
            if self.per_pattern[key] >= (1 if key.endswith("/history/") else PAGES_PER_PATTERN):
                return False
            self.per_pattern[key] += 1
        self.seen.add(url)
        return True

    # --- requests ------------------------------------------------------------------------------------------------

    def request(self, method: str, url: str, data=None, via: str = ""):
        reset_queries()  # the query log is bounded: a full one would count nothing
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            try:
                response = getattr(self.client, method)(url, data) if data is not None else self.client.get(url)
            except Exception as error:  # noqa: BLE001 - every server error is a finding, not the end of the crawl
                where = where_raised(error)
                self.flag(Problem(url, f"{method.upper()} 500", f"{type(error).__name__}: {error} at {where} ({via})"))
                return None
        self.queries.append((len(queries), f"{method.upper()} {url}"))
        self.seconds.append((time.perf_counter() - started, f"{method.upper()} {url}"))
        if len(queries) > (query_bound(url) if method == "get" else write_query_bound(url)):
            shapes = Counter(SQL_VALUES.sub("?", query["sql"])[:90] for query in queries.captured_queries)
            shape, times = shapes.most_common(1)[0]
            detail = f"{method.upper()} ran {len(queries)} queries, {times} of them like {shape!r}"
            self.flag(Problem(url, "queries", detail))
        if response.status_code >= 500:
            self.flag(Problem(url, f"{method.upper()} {response.status_code}", via))
        return response

    def run(self):
        while self.queue:
            url = self.queue.popleft()
            response = self.request("get", url, via=f"linked from {self.referrer.get(url, '-')}")
            self.pages += 1
            if response is None:
                continue
            if response.status_code in (403, 404, 405):
                problem = Problem(url, f"link {response.status_code}", f"linked from {self.referrer.get(url, '-')}")
                # A refusal is an honest answer, but a link a person is shown should not lead to one: noted.
                (self.notes if response.status_code == 403 else self.problems).append(problem)
                continue
            self.read(url, response)
        return self

    def read(self, url: str, response):
        if response.status_code in (301, 302, 303):
            self.enqueue(url, [response["Location"]])
        elif not response.get("Content-Type", "").startswith("text/html"):
            self.check_download(url, response)
        else:
            self.read_html(url, url, response)

    def read_html(self, url: str, label: str, response):
        """What a person reads on the page, then every link and form on it."""
        page = Page()
        page.feed(response.content.decode(response.charset or "utf-8", "replace"))
        self.check_text(label, page)
        self.enqueue(url, page.links)
        for form in page.forms:
            self.submit(url, form)

    def enqueue(self, base: str, hrefs):
        for href in hrefs:
            target = self.resolve(base, href)
            if target and self.admit(target):
                self.referrer[target] = base
                self.queue.append(target)

    def submit(self, page_url: str, form: Form):
        if form.method != "post":
            # A GET form is a link with the person's input: visit it as it stands.
            target = self.resolve(page_url, form.action or page_url)
            if target:
                query = urlencode([(k, v) for k, v in form.fields if v])
                self.enqueue(page_url, [f"{target.split('?')[0]}?{query}" if query else target])
            return
        action = self.resolve(page_url, form.action or page_url)
        if action is None or NOT_POSTED.search(action):
            return
        for label, pairs in submissions(form):
            # One form (the case page's, a list's action) is the same on every case or list variant: posted once.
            identity = (pattern(urlsplit(action).path), label, frozenset(name for name, _ in pairs))
            if identity in self.submitted:
                continue
            self.submitted.add(identity)
            data = defaultdict(list)
            for name, value in pairs:
                data[name].append(value)
            self.forms += 1
            response = self.request("post", action, dict(data), via=f"{label} form on {page_url}")
            if response is None:
                continue
            if response.status_code in (404, 405):
                self.flag(Problem(action, f"form {response.status_code}", f"{label} form on {page_url}"))
            elif response.status_code in (301, 302, 303):
                self.after_post(action, response["Location"])
            elif response.get("Content-Type", "").startswith("text/html"):
                self.read_html(action, f"{action} (POST {label})", response)

    def after_post(self, action: str, location: str):
        """The page a person lands on after a form, with its message: read once per pattern."""
        target = self.resolve(action, location)
        if target is None or ("after", pattern(urlsplit(target).path)) in self.submitted:
            return
        self.submitted.add(("after", pattern(urlsplit(target).path)))
        self.seen.add(target)
        response = self.request("get", target, via=f"after a form posted to {action}")
        self.pages += 1
        if response is not None and response.get("Content-Type", "").startswith("text/html"):
            self.read_html(target, target, response)

    # --- what a person reads -------------------------------------------------------------------------------------

    def check_text(self, url: str, page: Page):
        english = not page.language.startswith("id")
        if english:
            self.flag(Problem(url, "language", f"the page is served in {page.language!r}, not Indonesian"))
        for text in page.texts:
            if not english and (words := english_words(text)):
                self.flag(Problem(url, "english", f"{sorted(set(words))} in {around(text, words[0])!r}"))
            if codes := RAW_CODE.findall(text):
                self.flag(Problem(url, "raw code", f"{codes} in {around(text, codes[0])!r}"))
            if date := ISO_DATE.search(text):
                self.flag(Problem(url, "iso date", repr(around(text, date.group()))))
        for value in page.input_values:
            if ISO_DATE.search(value):
                self.flag(Problem(url, "iso date in a field", repr(value[:100])))

    def check_download(self, url: str, response):
        """An export's header row is read by a person too."""
        kind = response.get("Content-Type", "")
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if "csv" in kind:
            header = content.decode("utf-8-sig", "replace").splitlines()[:1]
        elif "spreadsheetml" in kind:
            sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
            header = [
                " ; ".join(str(cell) for cell in row if cell is not None)
                for row in sheet.iter_rows(max_row=3, values_only=True)
            ]
        else:
            return
        for line in header:
            if words := english_words(line.replace("_", " ")):
                self.flag(Problem(url, "english in an export's header", f"{sorted(set(words))} in {line[:120]!r}"))
            if codes := RAW_CODE.findall(line):
                self.flag(Problem(url, "raw code in an export's header", f"{codes} in {line[:120]!r}"))

    def worst(self, n=5):
        return sorted(self.queries, reverse=True)[:n]

    def record(self) -> dict:
        """What the crawl did and found, for a report file."""
        return {
            "pages": self.pages,
            "forms": self.forms,
            "seconds": round(sum(seconds for seconds, _ in self.seconds), 1),
            "worst": self.worst(5),
            "problems": [vars(problem) for problem in self.problems],
            "notes": [vars(problem) for problem in self.notes],
            "slowest": sorted(self.seconds, reverse=True)[:10],
            "by_pattern": self.time_by_pattern(),
            "visited": sorted(self.seen),
        }

    def time_by_pattern(self):
        spent = Counter()
        for seconds, url in self.seconds:
            method, _, address = url.partition(" ")
            spent[f"{method} {pattern(urlsplit(address).path)}"] += seconds
        return [(round(seconds, 2), key) for key, seconds in spent.most_common(15)]
