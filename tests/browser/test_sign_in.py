"""The real product in a real browser: sign in with password and TOTP, read the dashboard, switch
organization from the header, and no Content Security Policy violation on the way.

The server is ``hipaaops migrate``, ``hipaaops demo`` and ``hipaaops serve`` (gunicorn) in a
subprocess on a free loopback port with its own data folder; the browser is Debian's Chromium
driven by Playwright (no browser download). Without /usr/bin/chromium the test is skipped,
except under CI, where it fails: CI must never skip it silently.

Set HIPAAOPS_SCREENSHOTS=/some/dir to keep a screenshot of every step.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from hipaaops.core.demo import (
    DEMO_PASSWORD,
    DEMO_SLUG,
    DEMO_TOTP_SECRET,
    PARTNER_SLUG,
    PEOPLE,
    SIGN_IN_EMAIL,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_TIMEOUT = 90.0  # migrate + demo + gunicorn on a busy 2-core CI machine
CSP_WORDS = re.compile(r"content[- ]security[- ]policy|\bCSP\b", re.IGNORECASE)


_USED_PERIODS: set[int] = set()


def totp_now(secret: str) -> str:
    """RFC 6238 code (SHA-1, 30 s, 6 digits), as an authenticator app shows it. Waits out the
    last seconds of a period so the code is still fresh when the server checks it."""
    if 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30 + 0.2)
    # A code is accepted once (allauth refuses a replay): a second sign-in waits for a new one.
    while int(time.time()) // 30 in _USED_PERIODS:
        time.sleep(30 - time.time() % 30 + 0.2)
    _USED_PERIODS.add(int(time.time()) // 30)
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def test_totp_matches_allauth() -> None:
    """The test's own TOTP agrees with the server's (allauth's) code for the same moment."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    ours = totp_now(DEMO_TOTP_SECRET)
    theirs = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(time.time()) // 30))
    assert ours == theirs


def require_chromium(path: Path) -> Path:
    if path.exists():
        return path
    message = f"{path} is missing: apt-get install chromium"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so this is a failure, not a skip)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_chromium(CHROMIUM)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and everything it started (gunicorn's workers share its process group)."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@dataclass
class Server:
    url: str
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="module")
def server(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("hipaaops-browser")
    log = data_dir / "server.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HIPAAOPS_") and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    # The development settings: the demo's fixed password and TOTP secret, keys in the data folder.
    env.update(HIPAAOPS_ENV="development", HIPAAOPS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "hipaaops"]
    with log.open("ab") as out:
        for step in (["migrate", "--noinput"], ["demo"]):
            done = subprocess.run(
                [*command, *step], env=env, stdout=out, stderr=subprocess.STDOUT, timeout=300
            )
            if done.returncode:
                pytest.fail(f"hipaaops {' '.join(step)} failed:\n{log.read_text()[-4000:]}")
    port = _free_port()
    process = subprocess.Popen(
        [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    running = Server(url=f"http://127.0.0.1:{port}", log=log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"hipaaops serve exited ({process.returncode}):\n{running.log_tail()}")
            try:
                with urllib.request.urlopen(f"{running.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"/healthz did not answer in {START_TIMEOUT:.0f} s:\n{running.log_tail()}"
                )
            time.sleep(0.25)
        yield running
    finally:
        _stop(process)


@dataclass
class Watched:
    """What the browser reported while the test ran."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def csp_problems(self) -> list[str]:
        return self.csp_violations + [
            text for text in self.console_errors + self.page_errors if CSP_WORDS.search(text)
        ]


@dataclass
class Browser:
    page: Any
    watched: Watched
    shots: Path | None
    step: int = 0

    def shot(self, name: str) -> None:
        if self.shots is None:
            return
        self.step += 1
        self.page.screenshot(path=str(self.shots / f"{self.step:02d}-{name}.png"), full_page=True)


# Reports every CSP violation to the test: the listener is installed by the DevTools protocol, so
# the policy under test does not block it.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.hipaaopsReportCsp(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def browser(chromium: Path, server: Server) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    shots_env = os.environ.get("HIPAAOPS_SCREENSHOTS")
    shots = Path(shots_env) if shots_env else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    watched = Watched()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            context = launched.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(20_000)
            page = context.new_page()
            page.on(
                "console",
                lambda message: (
                    watched.console_errors.append(message.text) if message.type == "error" else None
                ),
            )
            page.on("pageerror", lambda error: watched.page_errors.append(str(error)))

            def report_csp(text: str) -> None:
                watched.csp_violations.append(text)

            page.expose_function("hipaaopsReportCsp", report_csp)
            page.add_init_script(CSP_LISTENER)
            yield Browser(page=page, watched=watched, shots=shots)
        finally:
            launched.close()


def test_sign_in_with_totp_dashboard_and_organization_switch(
    browser: Browser, server: Server
) -> None:
    from playwright.sync_api import expect

    page = browser.page

    # Password stage.
    page.goto(f"{server.url}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    browser.shot("login")
    page.get_by_label("E-mail address").fill(SIGN_IN_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # TOTP stage.
    code = page.locator("input[name=code]")
    expect(code).to_be_visible()
    browser.shot("totp")
    code.fill(totp_now(DEMO_TOTP_SECRET))
    page.get_by_role("button", name=re.compile(r"^sign in$", re.IGNORECASE)).click()
    expect(page.locator("input[name=code]")).to_have_count(0)
    expect(page.locator(".usermenu")).to_contain_text(SIGN_IN_EMAIL)
    browser.shot("signed-in")

    # The officer belongs to two organizations: the start page lets them choose one.
    heading = page.get_by_role("heading", level=1)
    if heading.inner_text().strip() != "Lakeside Family Medicine":
        page.locator("main").get_by_role("link", name="Lakeside Family Medicine").click()
    expect(page).to_have_url(re.compile(rf"/o/{re.escape(DEMO_SLUG)}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lakeside Family Medicine")
    members = page.locator(".figure").filter(
        has=page.locator(".label", has_text=re.compile(r"^\s*Members\s*$"))
    )
    expect(members).to_be_visible()
    in_practice = sum(1 for person in PEOPLE if person[2])
    expect(members.locator(".value")).to_have_text(str(in_practice))
    browser.shot("dashboard")

    # Switch organization with the header's switcher (the select submits itself).
    switcher = page.locator("form.org-switcher select[name=organization]")
    expect(switcher).to_have_value(DEMO_SLUG)
    with page.expect_navigation():
        switcher.select_option(PARTNER_SLUG)
    expect(page).to_have_url(re.compile(rf"/o/{re.escape(PARTNER_SLUG)}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind Billing Services")
    expect(page.locator("form.org-switcher select[name=organization]")).to_have_value(PARTNER_SLUG)
    expect(page.locator(".figure .label", has_text=re.compile(r"^\s*Members\s*$"))).to_be_visible()
    browser.shot("switched")

    assert browser.watched.csp_problems() == [], browser.watched
    assert browser.watched.page_errors == [], browser.watched

    # The watcher itself works: a script the policy forbids is reported.
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.hipaaopsForbidden = 1";
                   document.body.appendChild(s); }"""
    )
    deadline = time.monotonic() + 5
    while not browser.watched.csp_violations and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert any("script-src" in v for v in browser.watched.csp_violations), browser.watched
    assert page.evaluate("() => window.hipaaopsForbidden") is None


def test_chromium_is_required_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """The skip is local only: with CI set, a missing browser fails the run."""
    missing = Path("/nonexistent/chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        require_chromium(missing)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_chromium(missing)


def _sign_in(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill(SIGN_IN_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    code = page.locator("input[name=code]")
    expect(code).to_be_visible()
    code.fill(totp_now(DEMO_TOTP_SECRET))
    page.get_by_role("button", name=re.compile(r"^sign in$", re.IGNORECASE)).click()
    expect(page.locator(".usermenu")).to_contain_text(SIGN_IN_EMAIL)


def test_vendor_questionnaire_from_link_to_accepted_tier(browser: Browser, server: Server) -> None:
    """The officer sends the security questionnaire, the vendor answers through the link (no
    account, a PDF audit report), the link is spent, and the chain picture loads."""
    from playwright.sync_api import expect

    page = browser.page
    _sign_in(page, server)
    page.goto(f"{server.url}/o/{DEMO_SLUG}/vendors/")
    page.get_by_role("link", name="BrightLine Answering Service").click()
    page.get_by_label("Send to").fill("calls@brightline-answering.example")
    page.get_by_role("button", name="Send the questionnaire").click()
    link = page.locator("#link-title + p + p code").inner_text().strip()
    assert "/vendor-review/" in link
    browser.shot("link-shown")

    # The vendor's side, in a fresh context: no session, no account.
    vendor_page = page.context.browser.new_context().new_page()
    vendor_page.goto(link)
    expect(vendor_page.get_by_role("heading", level=1)).to_contain_text("BrightLine")
    vendor_page.get_by_label("Your name").fill("Robin Calloway")
    for fieldset in vendor_page.locator("fieldset:has(input[type=radio])").all():
        fieldset.locator("input[value=yes]").check()
    vendor_page.locator("fieldset:has(input[type=radio]) input[value=no]").first.check()
    vendor_page.locator("select[name=report_0_kind]").select_option("soc2_type2")
    vendor_page.locator("input[name=report_0_expires_on]").fill("2099-01-31")
    vendor_page.locator("input[name=report_0_file]").set_input_files(
        files=[
            {
                "name": "soc2.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
            }
        ]
    )
    vendor_page.get_by_role("button", name="Send the answers").click()
    expect(vendor_page.get_by_role("heading", level=1)).to_have_text("Thank you")
    vendor_page.goto(link)
    expect(vendor_page.get_by_role("alert")).to_contain_text("used already")

    # Back with the officer: the review waits with its tier and reasons.
    page.goto(f"{server.url}/o/{DEMO_SLUG}/vendors/")
    page.get_by_role("link", name="BrightLine Answering Service").click()
    page.locator("tr", has_text="Answered, to review").get_by_role("link").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("Risk tier: high"))).to_be_visible()
    page.goto(f"{server.url}/o/{DEMO_SLUG}/vendors/chain/")
    image = page.locator("figure img")
    expect(image).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 100
    browser.shot("chain")
    assert browser.watched.csp_problems() == [], browser.watched
    assert browser.watched.page_errors == [], browser.watched


def test_data_flow_map_zooms_and_the_questionnaire_branches(
    browser: Browser, server: Server
) -> None:
    """The data-flow map loads and zooms; in the questionnaire, an answer that closes a follow-up
    question hides it once saved, and the answer that opens it brings it back."""
    from playwright.sync_api import expect

    page = browser.page
    _sign_in(page, server)
    page.goto(f"{server.url}/o/{DEMO_SLUG}/inventory/map/")
    image = page.locator(".zoom-view img")
    expect(image).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 100
    page.get_by_role("button", name="Zoom in").click()
    assert "scale(1.25)" in (image.get_attribute("style") or "")
    page.get_by_role("button", name="Reset").click()
    assert "scale(1)" in (image.get_attribute("style") or "")
    browser.shot("data-flow-map")

    page.goto(f"{server.url}/o/{DEMO_SLUG}/sra/")
    page.get_by_role("link", name="Security risk assessment 2026").click()
    page.get_by_role("link", name="Risk analysis basics").click()
    follow_up = page.locator("fieldset#basics_sra_current")
    expect(follow_up).to_be_visible()
    page.locator("#basics_prior_sra input[value=no]").check()
    page.get_by_role("button", name="Save answers").click()
    expect(page.locator("fieldset#basics_prior_sra")).to_be_visible()
    expect(follow_up).to_have_count(0)
    page.locator("#basics_prior_sra input[value=yes]").check()
    page.get_by_role("button", name="Save answers").click()
    expect(follow_up).to_be_visible()
    browser.shot("questionnaire")
    assert browser.watched.csp_problems() == [], browser.watched
    assert browser.watched.page_errors == [], browser.watched
