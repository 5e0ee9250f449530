"""Browser tests: the real app under uvicorn, driven by Debian's Chromium.

Each test starts the app the way it runs in production (DEBUG off, whitenoise's
manifest storage, one uvicorn process) on a loopback port, against a database
of its own: a SQLite file in a temporary folder, or, when DATABASE_URL is set
(`.ci/with-postgres`), a fresh database created on that PostgreSQL server and
dropped at the end. The tests talk to the app only through the browser; the
set-up goes through `manage.py` in subprocesses.

Every person gets a browser context of their own: the facilitator's laptop,
the projector (signed in as the facilitator), and phones.
"""

import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CASE_PACK = "casepacks/2024-maryia-kalesnikava"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FACILITATOR = "teacher"
OTHER_FACILITATOR = "other-teacher"
PASSWORD = "correct horse battery"

LAPTOP = {"width": 1280, "height": 800}
PROJECTOR = {"width": 1920, "height": 1080}
PHONE = {"width": 360, "height": 740}

# How long a pushed update may take to show: the product promises "a fraction
# of a second"; two CPU cores running a server and half a dozen browser
# contexts get some slack.
PUSH_MS = 10_000
expect.set_options(timeout=PUSH_MS)
NAVIGATION_MS = 30_000  # a page load on a busy machine


def _steps():
    pack = yaml.safe_load((ROOT / CASE_PACK / "pack.yaml").read_text(encoding="utf-8"))
    return pack["activities"][0]["steps"]


# The activity's steps, in order, as the case pack names them, and their kinds.
STEP_TITLES = [step["title"] for step in _steps()]
STEP_KINDS = [step["kind"] for step in _steps()]


def display_code(code):
    return f"{code[:3]}-{code[3:]}"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_status(url, timeout=2):
    try:
        with _NO_PROXY.open(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


# -- The app's environment and database ------------------------------------------

_INHERITED_NOT = {
    "DATABASE_URL",
    "REDIS_URL",
    "SITE_URL",
    "DJANGO_MEDIA_ROOT",
    "CSRF_TRUSTED_ORIGINS",
    "DJANGO_PROXY_SSL_HEADER",
    "DJANGO_SSL_REDIRECT",
    "DJANGO_HSTS_SECONDS",
}


def manage(env, *args, timeout=180):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


class PostgresDatabase:
    """A database of the browser tests' own on the server DATABASE_URL names."""

    def __init__(self, server_url):
        import psycopg

        self._psycopg = psycopg
        self.server_url = server_url
        self.name = f"w4r_browser_{secrets.token_hex(6)}"
        parts = urllib.parse.urlsplit(server_url)
        self.url = urllib.parse.urlunsplit(parts._replace(path=f"/{self.name}"))
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self):
        with self._psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


_CREATE_FACILITATORS = f"""
from django.contrib.auth import get_user_model
User = get_user_model()
for name in ({FACILITATOR!r}, {OTHER_FACILITATOR!r}):
    User.objects.create_user(name, password={PASSWORD!r})
"""


@pytest.fixture(scope="session")
def app_env(tmp_path_factory):
    """The environment every app process of this test run shares, with a
    migrated database holding the 2024 case pack and two facilitators."""
    base = tmp_path_factory.mktemp("w4r-browser")
    env = {key: value for key, value in os.environ.items() if key not in _INHERITED_NOT}
    env.update(
        DJANGO_SETTINGS_MODULE="w4r.settings",
        DJANGO_SECRET_KEY="browser-tests-" + secrets.token_urlsafe(48),
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        W4R_DATA_DIR=str(base / "data"),
        DJANGO_STATIC_ROOT=str(base / "static"),
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    database = None
    if os.environ.get("DATABASE_URL"):
        database = PostgresDatabase(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = database.url
    try:
        # collectstatic (hashing and compressing every file for whitenoise)
        # is the slow part and needs no database: run it alongside.
        with ThreadPoolExecutor(max_workers=1) as pool:
            static = pool.submit(manage, env, "collectstatic", "--noinput")
            manage(env, "migrate", "--noinput")
            manage(env, "loadcase", CASE_PACK)
            manage(env, "shell", "-c", _CREATE_FACILITATORS)
            static.result()
        yield {"env": env, "logs": base / "logs"}
    finally:
        if database is not None:
            database.drop()


# -- App processes --------------------------------------------------------------


class AppServer:
    """One uvicorn process serving the app on a loopback port."""

    def __init__(self, env, log_dir, *, name="app", port=None, extra_env=None):
        self.env = {**env, **(extra_env or {})}
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}-{self.port}.log"
        self.process = None
        self.starts = 0

    def start(self, timeout=20):
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"--- start #{self.starts} ---\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "w4r.asgi:application",
                    "--lifespan",
                    "off",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"uvicorn exited ({code}):\n{self.log_tail()}")
            try:
                if http_status(self.url + "/join") == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(
            f"uvicorn did not answer on {self.url} in {timeout}s:\n{self.log_tail()}"
        )

    def kill(self):
        """SIGKILL: no graceful shutdown, open streams just break."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self):
        """Kill the process (SIGKILL) and start it again: same port, same database."""
        self.kill()
        self.start()

    def log_tail(self, chars=4000):
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


@pytest.fixture
def start_server(app_env):
    """Start app processes (on the shared database); all are killed at the end."""
    servers = []

    def start(name="app", extra_env=None):
        server = AppServer(app_env["env"], app_env["logs"], name=name, extra_env=extra_env)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.kill()
        # Shown with the test's report when it fails.
        print(f"\n===== {server.log_path} (tail) =====\n{server.log_tail(6000)}")


@pytest.fixture
def server(start_server):
    """The app, one process, no Redis."""
    return start_server()


class FlakyLink:
    """A TCP relay in front of the app, for phones on a network that can drop.

    Chromium's offline emulation (`context.set_offline`) fails new requests
    but leaves an open event stream flowing, so it alone does not take a
    phone off the network. `cut()` does: it breaks every connection through
    the relay and refuses new ones until `restore()`.
    """

    def __init__(self, server):
        self.target = ("127.0.0.1", server.port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.up = True
        self.closed = False
        self.pairs = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            if not self.up:
                _drop(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _drop(client)
                continue
            pair = (client, upstream)
            with self.lock:
                self.pairs.add(pair)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink, pair), daemon=True).start()

    def _pipe(self, source, sink, pair):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(pair)

    def _close(self, pair):
        with self.lock:
            self.pairs.discard(pair)
        for sock in pair:
            _drop(sock)

    def cut(self):
        self.up = False
        with self.lock:
            pairs = list(self.pairs)
        for pair in pairs:
            self._close(pair)

    def restore(self):
        self.up = True

    def close(self):
        self.closed = True
        self.listener.close()
        self.cut()


def _drop(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


@pytest.fixture
def flaky_link(server):
    """Make relays to `server` (default: the test's server); closed at the end."""
    links = []

    def make(target=None):
        link = FlakyLink(target or server)
        links.append(link)
        return link

    yield make
    for link in links:
        link.close()


# -- The browser and the people in front of it ----------------------------------


@pytest.fixture(scope="session")
def browser():
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


class People:
    """Makes one browser context per person; closes them all at the end."""

    def __init__(self, browser, server):
        self.browser = browser
        self.server = server
        self.contexts = []

    def _page(self, server, **options):
        context = self.browser.new_context(base_url=(server or self.server).url, **options)
        context.set_default_timeout(PUSH_MS)
        context.set_default_navigation_timeout(NAVIGATION_MS)
        self.contexts.append(context)
        return context.new_page()

    def facilitator(self, username=FACILITATOR, *, server=None):
        """A laptop, signed in as `username`, on the dashboard."""
        page = self._page(server, viewport=LAPTOP)
        page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm
        login(page, username)
        return page

    def projector(self, facilitator_page, code, *, server=None):
        """The big screen: the facilitator's sign-in, the session's projector view."""
        page = self._page(
            server, viewport=PROJECTOR, storage_state=facilitator_page.context.storage_state()
        )
        page.goto(f"/sessions/{code}/projector")
        expect(page.locator("#live-projector")).to_be_visible()
        return page

    def phone(self, *, server=None, **options):
        """A phone without an identity yet, on a blank page; `options` as
        for a browser context (e.g. locale="ar", whose Accept-Language picks
        the app's language, or java_script_enabled=False)."""
        return self._page(
            server,
            **{
                "viewport": PHONE,
                "is_mobile": True,
                "has_touch": True,
                "device_scale_factor": 2,
                **options,
            },
        )

    def visitor(self, *, server=None, viewport=LAPTOP, **options):
        """A laptop's browser with nobody signed in, on a blank page."""
        return self._page(server, viewport=viewport, **options)

    def close(self):
        for context in self.contexts:
            try:
                context.close()
            except Exception:  # the browser may already be gone
                pass


@pytest.fixture
def people(browser, server):
    crowd = People(browser, server)
    yield crowd
    crowd.close()


# -- What people do ---------------------------------------------------------------


def login(page, username=FACILITATOR, password=PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/sessions/$"))


def create_session(page, title="Class 9B", group_size=4):
    """Start a session of the 2024 activity from the dashboard; its room code."""
    page.goto("/sessions/")
    activity = page.get_by_label("Activity", exact=True)
    expect(activity.locator("option")).not_to_have_count(0)
    activity.select_option(index=0)
    page.get_by_label("Name for this session").fill(title)
    page.get_by_label("People per group").fill(str(group_size))
    page.get_by_role("button", name="Create the session").click()
    expect(page).to_have_url(re.compile(r"/sessions/[A-Z0-9]{7}/$"))
    code = re.search(r"/sessions/([A-Z0-9]{7})/$", page.url).group(1)
    expect(page.locator(".code").first).to_have_text(display_code(code))
    return code


def join(page, code, nickname, via="typed", link=None):
    """Join room `code` as `nickname`, by typing the code as people do (lower
    case, with the dash) or by opening the QR code's link; ends on the live page."""
    if via == "typed":
        page.goto("/join")
        page.get_by_label("Room code").fill(display_code(code).lower())
        page.get_by_role("button", name="Join").click()
    elif via == "link":
        page.goto(link or f"/join/{code}")
    else:
        raise ValueError(via)
    expect(page).to_have_url(re.compile(rf"/join/{code}$"))
    page.get_by_label("Nickname").fill(nickname)
    page.get_by_role("button", name="Join").click()
    expect(page).to_have_url(re.compile(rf"/r/{code}$"))
    expect(page.locator(".whoami")).to_contain_text(nickname)
    return page


def mark(page):
    """Plant a marker that only a page load can remove."""
    page.evaluate("window.__marker = 1")


def not_reloaded(page):
    return page.evaluate("window.__marker") == 1


def stage_title(page):
    """The step title a phone shows."""
    return page.locator("#live-stage .step h1")


def projector_title(page):
    return page.locator("#live-projector .projector-step h1")


def group_heading(page):
    return page.locator("#live-group h2")


def group_members(page):
    return page.locator("#live-group ul.members li")


def current_step(control):
    """The step the control view marks as current."""
    return control.locator("#live-control-step li.current .step-title")


def step_button(control, title):
    return control.locator("#live-control-step").get_by_role(
        "button", name=re.compile(re.escape(title))
    )


def connected_count(control, count):
    return expect(control.locator("#live-control-roster .counts")).to_contain_text(
        f"{count} connected now"
    )


def move_person(control, nickname, group_name):
    roster = control.locator("#live-control-roster")
    number = group_name.removeprefix("Group ")
    roster.get_by_label(f"Move {nickname} to group number", exact=True).fill(number)
    roster.get_by_role("button", name=f"Move {nickname}", exact=True).click()


def remove_person(control, nickname):
    """Click "Remove" (the confirm dialog is accepted by the facilitator's page)."""
    control.locator("#live-control-roster").get_by_role(
        "button", name=f"Remove {nickname}", exact=True
    ).click()


def click_control(control, name):
    """Click a button of the control view's step panel ("Start", "Next step", ...)."""
    control.locator("#live-control-step").get_by_role("button", name=name).click()


@dataclass
class Room:
    """A running session with everyone in it."""

    people: People
    code: str
    control: Page
    projector: Page
    phones: list = field(default_factory=list)
    nicknames: list = field(default_factory=list)

    def add_phone(self, nickname, via="typed", server=None):
        phone = self.people.phone(server=server)
        join(phone, self.code, nickname, via=via)
        self.phones.append(phone)
        self.nicknames.append(nickname)
        return phone

    def phone(self, nickname):
        return self.phones[self.nicknames.index(nickname)]

    def everyone(self):
        """The phones and the projector: the screens that follow the session."""
        return [*self.phones, self.projector]

    def expect_step(self, title, phones=None, timeout=PUSH_MS):
        """Every phone (or those given), the projector and the control view
        show step `title`. (Waiting for the control view also keeps the next
        click off a button that its own live update is about to replace.)"""
        for phone in self.phones if phones is None else phones:
            expect(stage_title(phone)).to_have_text(title, timeout=timeout)
        expect(projector_title(self.projector)).to_have_text(title, timeout=timeout)
        expect(current_step(self.control)).to_have_text(
            f"{STEP_TITLES.index(title) + 1}. {title}", timeout=timeout
        )


@pytest.fixture
def open_room(people):
    """A session with a facilitator, the projector and phones that joined it
    (alternately by typing the code and by the QR code's link)."""

    def open_room(
        nicknames=("Ana", "Bo", "Chen"),
        group_size=4,
        title="Class 9B",
        phone_server=None,
        projector_server=None,
    ):
        control = people.facilitator()
        code = create_session(control, title=title, group_size=group_size)
        projector = people.projector(control, code, server=projector_server)
        room = Room(people=people, code=code, control=control, projector=projector)
        for index, nickname in enumerate(nicknames):
            room.add_phone(nickname, via=("typed", "link")[index % 2], server=phone_server)
        expect(control.locator("#live-control-roster .counts")).to_contain_text(
            f"{len(nicknames)} {'person' if len(nicknames) == 1 else 'people'} joined"
        )
        return room

    return open_room


# -- Screenshots -----------------------------------------------------------------


def screenshot(page, name):
    """Save `page` at phone and at projector size into $W4R_SCREENSHOTS, if set."""
    folder = os.environ.get("W4R_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    try:
        for label, size in (("phone", PHONE), ("projector", PROJECTOR)):
            page.set_viewport_size(size)
            page.screenshot(path=str(Path(folder) / f"{name}-{label}.png"), full_page=True)
    finally:
        page.set_viewport_size(before)


# -- Accessibility: axe-core -------------------------------------------------------

# axe-core, vendored as a test asset (tests/browser/assets/README.md); the app
# never serves it.
AXE_SCRIPT = ROOT / "tests" / "browser" / "assets" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 A and AA, and Deque's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_FAILING_IMPACTS = {"serious", "critical"}

_AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.join(" "), impact: n.impact, summary: n.failureSummary,
      html: n.html.slice(0, 300),
    })),
  }));
}"""


def _axe_source():
    return AXE_SCRIPT.read_text(encoding="utf-8")


def load_axe(page):
    """Put axe-core into `page` (and every page its context opens later).

    The app's Content-Security-Policy (script-src 'self') blocks a <script>
    element with inline content, which is what `page.add_script_tag(path=...)`
    adds. `context.add_init_script` goes through the DevTools protocol
    instead, which the page's CSP does not govern, so the policy stays on and
    is tested as it is: no `bypass_csp`. An init script runs on the next
    navigation; for the page already open, `page.evaluate` of the same source
    defines `axe` at once (also outside the CSP)."""
    context = page.context
    if not getattr(context, "_w4r_axe", False):
        context.add_init_script(path=str(AXE_SCRIPT))
        context._w4r_axe = True
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe_source())


def axe_violations(page):
    """axe's serious and critical violations on `page` as it is now."""
    load_axe(page)
    violations = page.evaluate(_AXE_RUN, AXE_TAGS)
    return [v for v in violations if v["impact"] in AXE_FAILING_IMPACTS]


def format_violations(violations):
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"][:8]:
            lines.append(f"    at {node['target']}: {node['html'][:160]}")
            summary = " ".join((node["summary"] or "").split())
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    ... and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


_OVERLAPS = """() => {
  const controls = Array.from(document.querySelectorAll(
    'body :is(a[href], button, input:not([type=hidden]), select, textarea, summary)'))
    // Django admin's own chrome is left out: its sort arrows sit over their
    // column's heading, and its sidebar's full-height toggle slides along the
    // sidebar while that opens or closes (animated).
    .filter((el) => el.checkVisibility()
      && !el.closest('.visually-hidden, .sortoptions, #toggle-nav-sidebar'))
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([, box]) => box.width > 1 && box.height > 1);
  const name = (el) => `${el.tagName.toLowerCase()} "${
    (el.textContent || el.value || el.name || '').trim().replace(/\\s+/g, ' ').slice(0, 30)}"`;
  const problems = [];
  for (let i = 0; i < controls.length; i += 1) {
    for (let j = i + 1; j < controls.length; j += 1) {
      const [a, boxA] = controls[i];
      const [b, boxB] = controls[j];
      if (a.contains(b) || b.contains(a)) continue;
      const width = Math.min(boxA.right, boxB.right) - Math.max(boxA.left, boxB.left);
      const height = Math.min(boxA.bottom, boxB.bottom) - Math.max(boxA.top, boxB.top);
      if (width > 2 && height > 2) problems.push(`${name(a)} and ${name(b)} overlap`);
    }
  }
  return problems;
}"""


def assert_no_control_covers_another(page, what):
    """Every button, link and field can be seen and tapped: none lies over
    another (a layout that breaks at some width does that before it scrolls)."""
    problems = page.evaluate(_OVERLAPS)
    assert not problems, f"{what}, {page.viewport_size['width']}px wide: {problems}"


def assert_accessible(page, *, context=""):
    """Fail when axe-core finds a serious or critical WCAG 2.2 A/AA (or best
    practice) violation on `page`, or when a control lies over another; the
    message names each rule, its help and the failing elements."""
    violations = axe_violations(page)
    if violations:
        where = context or page.url
        pytest.fail(
            f"axe-core: {len(violations)} serious/critical accessibility violation(s) "
            f"on {where} ({page.url}):\n{format_violations(violations)}",
            pytrace=False,
        )
    assert_no_control_covers_another(page, context or page.url)
