"""A browser crawler: open a page, find every control on it, operate each, and prove its effect.

The engine is generic; what each control must do lives in a registry (tests/e2e/test_crawler.py) of
`Control` entries matched by a control's key: `<role>.<test id>` when the element carries one of our
class names, else `<role> "<accessible name>"`. A control matching no entry is a problem (declare
its effect), and so is an entry whose effects do not show within a few seconds. Links must lead to a
page of the app (one link per target is followed per role), to a declared server route, or open an
external site in a new tab.

Overlays (dialogs, menus, popovers, selects) are crawled while open; a trigger is operated again
until every control seen inside its overlay was operated. Every operation is screenshotted; console
errors and warnings, uncaught exceptions, HTTP responses >= 500, error toasts and content running
out of its card are problems wherever they happen. Problems are collected, so one run lists them all.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from playwright.sync_api import ConsoleMessage, Error, Locator, Page, Response
from sqlalchemy import text
from sqlmodel import Session

from setlist_app.db import get_engine

EFFECT_TIMEOUT = 10.0  # seconds for a control's declared effect to show
ACTION_TIMEOUT = 5_000  # ms to click or type: a control that went away is scanned for again
MAX_ATTEMPTS = 3  # a control re-rendered away under the crawl (a live table) is tried this often
LONG_TEXT = "Supercalifragilistic" * 250  # 5,000 characters without a break: must not overflow
ROLES = frozenset({"anonymous", "fan", "admin"})
MAX_REOPEN = 4  # a trigger is operated again at most this often to reach what its overlay still holds

# Interactive elements; links and buttons are atomic (nothing inside one is a control of its own), and
# a menu item or tab wrapping a link or button is that link or button.
_SCAN_JS = r"""
() => {
  const SELECTOR = 'a, button, input:not([type=hidden]), textarea, select, [role=button], [role=switch],'
    + ' [role=checkbox], [role=radio], [role=tab], [role=combobox], [role=menuitem], [role=slider]';
  const OVERLAYS = '[role=dialog], [role=alertdialog], [role=menu], [role=listbox]';
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const overlays = [...document.querySelectorAll(OVERLAYS)].filter(visible);
  const root = overlays.length ? overlays[overlays.length - 1] : document.body;
  const implicitRole = (el) => {
    const tag = el.tagName.toLowerCase();
    if (tag === 'a') return 'link';
    if (tag === 'button') return 'button';
    if (tag === 'select') return 'combobox';
    if (tag === 'textarea') return 'textbox';
    if (tag === 'input') {
      const type = (el.getAttribute('type') || 'text').toLowerCase();
      return {checkbox: 'checkbox', radio: 'radio', number: 'spinbutton', submit: 'button', button: 'button',
              range: 'slider'}[type] || 'textbox';
    }
    return 'generic';
  };
  const label = (el) => {
    const aria = el.getAttribute('aria-label');
    if (aria) return aria;
    const by = el.getAttribute('aria-labelledby');
    if (by) return by.split(/\s+/).map((id) => document.getElementById(id)?.innerText || '').join(' ');
    if (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') return el.placeholder || el.name || '';
    const shown = el.cloneNode(true);  // the accessible name leaves out aria-hidden text
    for (const hidden of shown.querySelectorAll('[aria-hidden=true]')) hidden.remove();
    return shown.textContent || el.getAttribute('title') || '';
  };
  const selected = (el) => el.matches('[role=radio], [role=tab]')
    && (el.getAttribute('aria-checked') === 'true' || el.getAttribute('aria-selected') === 'true');
  for (const old of document.querySelectorAll('[data-crawl]')) old.removeAttribute('data-crawl');
  const ownClass = (el) => [...el.classList].find((c) => !/^(rt-|css-|radix-)/.test(c)) || '';
  const controls = [...root.querySelectorAll(SELECTOR)].filter(visible)
    .filter((el) => !el.parentElement.closest('a, button'))
    .filter((el) => !(el.matches('[role=menuitem], [role=tab]') && el.querySelector('a, button')));
  return {
    inOverlay: root !== document.body,
    controls: controls.map((el, i) => {
      el.setAttribute('data-crawl', String(i));
      const row = el.closest('tr, [role=listitem]');
      return {
        index: i,
        role: el.getAttribute('role') || implicitRole(el),
        name: label(el).replace(/\s+/g, ' ').trim().slice(0, 120),
        testid: el.getAttribute('data-testid') || ownClass(el),
        href: el.tagName === 'A' ? el.getAttribute('href') || '' : '',
        routed: el.hasAttribute('data-discover'),
        target: el.getAttribute('target') || '',
        disabled: el.disabled === true || el.getAttribute('aria-disabled') === 'true'
          || el.hasAttribute('data-disabled') || selected(el),
        row: row ? row.innerText.replace(/\s+/g, ' ').slice(0, 300) : '',
      };
    }),
  };
}
"""

_OVERFLOW_JS = r"""
() => {
  const out = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1)
    out.push(`the page scrolls sideways (${doc.scrollWidth}px wide in a ${window.innerWidth}px window)`);
  for (const card of document.querySelectorAll('.rt-Card')) {
    const box = card.getBoundingClientRect();
    if (!box.width) continue;
    const culprit = [...card.querySelectorAll('*')].find((el) => el.getBoundingClientRect().right > box.right + 2);
    if (culprit) out.push(`"${(culprit.innerText || culprit.tagName).slice(0, 60)}..." runs out of its card`);
  }
  return out;
}
"""

_OBSERVER_JS = r"""
window.__crawlToasts = [];
window.__crawlMutations = 0;
new MutationObserver((records) => {
  window.__crawlMutations += records.length;
  for (const r of records) for (const n of r.addedNodes) {
    if (n.nodeType !== 1) continue;
    window.__crawlToasts.push(...(n.matches('[data-sonner-toast]') ? [n] : n.querySelectorAll('[data-sonner-toast]')));
  }
}).observe(document, {childList: true, subtree: true, characterData: true});
"""

_QUIET_JS = r"""
([quietMs, maxMs]) => new Promise((resolve) => {
  const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, quietMs); });
  let timer = setTimeout(done, quietMs);
  const cap = setTimeout(done, maxMs);  // a live page (pollers, moving counts) is never fully quiet
  function done() { observer.disconnect(); clearTimeout(timer); clearTimeout(cap); resolve(true); }
  observer.observe(document.body, {childList: true, subtree: true, attributes: true, characterData: true});
})
"""

# The browser's console line for a failed load; `_on_response` reports the same failure with its URL.
_REPORTED_BY_RESPONSE = "Failed to load resource"
_OVERLAYS_OPEN_JS = (
    "(sel) => [...document.querySelectorAll(sel)].filter(e => e.getClientRects().length).length"
)
_TOAST_LIST_JS = (
    "() => (window.__crawlToasts || []).map(n => ({type: n.getAttribute('data-type') || '',"
    " text: n.innerText || n.textContent || ''}))"
)


@dataclass(frozen=True)
class Found:
    """One control the scan found on the page."""

    index: int
    role: str
    name: str
    testid: str
    href: str
    routed: bool  # a link the client-side router handles
    target: str
    disabled: bool  # or already the selected radio/tab: nothing to operate
    row: str  # the text of its table row or list item, if any

    @property
    def key(self) -> str:
        return f"{self.role}.{self.testid}" if self.testid else f'{self.role} "{self.name}"'


@dataclass
class Step:
    """What an effect may look at: the page, the operated element and what was typed or chosen."""

    page: Page
    element: Locator
    serial: int  # unique in the crawl
    value: str = ""


class Effect(Protocol):
    """Something a control must visibly or durably change: captured before, polled after."""

    def before(self, step: Step) -> Any: ...

    def holds(self, step: Step, before: Any) -> bool: ...


def _overlays_open(page: Page, roles: tuple[str, ...] = ("dialog", "alertdialog", "menu", "listbox")) -> int:
    return int(page.evaluate(_OVERLAYS_OPEN_JS, ", ".join(f"[role={r}]" for r in roles)))


def _toasts(page: Page) -> list[dict[str, str]]:
    return page.evaluate(_TOAST_LIST_JS)


def _rows(query: str) -> list[tuple[Any, ...]]:
    with Session(get_engine()) as s:
        return [tuple(r) for r in s.execute(text(query)).all()]


@dataclass(frozen=True)
class Opens:
    """An overlay with this ARIA role opens (dialog, alertdialog, menu, listbox)."""

    role: str

    def before(self, step: Step) -> Any:
        return _overlays_open(step.page, (self.role,))

    def holds(self, step: Step, before: Any) -> bool:
        return _overlays_open(step.page, (self.role,)) > before

    def __str__(self) -> str:
        return f"a {self.role} opens"


@dataclass(frozen=True)
class Closes:
    """The overlay the control sits in closes."""

    def before(self, step: Step) -> Any:
        return _overlays_open(step.page)

    def holds(self, step: Step, before: Any) -> bool:
        return _overlays_open(step.page) < before

    def __str__(self) -> str:
        return "its overlay closes"


@dataclass(frozen=True)
class Toggles:
    """An attribute changes: of the control itself, or of the first element matching `selector`."""

    attribute: str
    selector: str = ""

    def _value(self, step: Step) -> str | None:
        target = step.page.locator(self.selector).first if self.selector else step.element
        return target.get_attribute(self.attribute)

    def before(self, step: Step) -> Any:
        return self._value(step)

    def holds(self, step: Step, before: Any) -> bool:
        return self._value(step) != before

    def __str__(self) -> str:
        return f"{self.selector or 'its'} {self.attribute} changes"


@dataclass(frozen=True)
class Shows:
    """Something matching a selector (and a text pattern) is visible afterwards."""

    selector: str
    text: str = ""

    def before(self, step: Step) -> Any:
        return None

    def holds(self, step: Step, before: Any) -> bool:
        found = step.page.locator(self.selector)
        if self.text:
            found = found.filter(has_text=re.compile(self.text))
        return found.first.is_visible()

    def __str__(self) -> str:
        return f"{self.selector} {self.text!r} shows" if self.text else f"{self.selector} shows"


@dataclass(frozen=True)
class Gone:
    """Nothing matching a selector is visible afterwards."""

    selector: str

    def before(self, step: Step) -> Any:
        return None

    def holds(self, step: Step, before: Any) -> bool:
        return not step.page.locator(self.selector).first.is_visible()

    def __str__(self) -> str:
        return f"{self.selector} goes away"


@dataclass(frozen=True)
class Value:
    """The form field matching a selector holds this value afterwards."""

    selector: str
    value: str

    def before(self, step: Step) -> Any:
        return None

    def holds(self, step: Step, before: Any) -> bool:
        return step.page.locator(self.selector).first.input_value() == self.value

    def __str__(self) -> str:
        return f"{self.selector} holds {self.value!r}"


@dataclass(frozen=True)
class Changes:
    """The text of a region (every element matching a selector) changes."""

    selector: str

    def _text(self, step: Step) -> str:
        return " | ".join(step.page.locator(self.selector).all_inner_texts())

    def before(self, step: Step) -> Any:
        return self._text(step)

    def holds(self, step: Step, before: Any) -> bool:
        return self._text(step) != before

    def __str__(self) -> str:
        return f"the text of {self.selector} changes"


@dataclass(frozen=True)
class Toast:
    """A new toast of this kind (success, info, error...) whose text matches."""

    kind: str = "success"
    text: str = ""

    def before(self, step: Step) -> Any:
        return len(_toasts(step.page))

    def holds(self, step: Step, before: Any) -> bool:
        new = _toasts(step.page)[before:]
        return any(t["type"] == self.kind and re.search(self.text, t["text"]) for t in new)

    def __str__(self) -> str:
        return f"a {self.kind} toast {self.text!r}"


@dataclass(frozen=True)
class Navigates:
    """The browser lands on a new URL matching this pattern."""

    url: str

    def before(self, step: Step) -> Any:
        return step.page.url

    def holds(self, step: Step, before: Any) -> bool:
        return step.page.url != before and re.search(self.url, step.page.url) is not None

    def __str__(self) -> str:
        return f"the browser goes to {self.url}"


@dataclass(frozen=True)
class Holds:
    """The control shows what was typed into it or chosen in it."""

    def before(self, step: Step) -> Any:
        return None

    def holds(self, step: Step, before: Any) -> bool:
        if step.element.evaluate("e => 'value' in e && e.tagName !== 'BUTTON'"):
            return step.element.input_value() == step.value
        return step.value in step.element.inner_text()

    def __str__(self) -> str:
        return "it shows what was typed or chosen"


@dataclass(frozen=True)
class Stores:
    """The database answers this query differently afterwards (rows added, changed or removed)."""

    query: str

    def before(self, step: Step) -> Any:
        return _rows(self.query)

    def holds(self, step: Step, before: Any) -> bool:
        return _rows(self.query) != before

    def __str__(self) -> str:
        return f"the database changes ({self.query})"


# -- actions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Click:
    def perform(self, step: Step) -> None:
        step.element.click(timeout=ACTION_TIMEOUT)


@dataclass(frozen=True)
class Fill:
    """Type a valid value (and press Enter to submit its form when `submit`); `{n}` in the value
    becomes a number unique in the crawl, for values that must be new each time (an artist request)."""

    value: str
    submit: bool = False

    def perform(self, step: Step) -> None:
        step.value = self.value.format(n=step.serial)
        step.element.fill(step.value, timeout=ACTION_TIMEOUT)
        if self.submit:
            step.element.press("Enter", timeout=ACTION_TIMEOUT)


@dataclass(frozen=True)
class Choose:
    """Open a select and pick an option other than the current one."""

    def perform(self, step: Step) -> None:
        step.element.click(timeout=ACTION_TIMEOUT)
        option = step.page.locator("[role=listbox] [role=option]:not([aria-selected=true])").first
        option.wait_for(timeout=ACTION_TIMEOUT)
        step.value = option.inner_text().strip()
        option.click(timeout=ACTION_TIMEOUT)


@dataclass(frozen=True)
class Visit:
    """One page to crawl: the route template, a concrete path, and a label for the page's state."""

    route: str
    path: str
    label: str = ""


@dataclass(frozen=True)
class Control:
    """What one kind of control must do when operated.

    `key` is a regular expression over the control key, `routes` over the page's route template;
    `state`, when set, limits the entry to visits with that label (a page state the test arranged).
    `avoid` skips instances whose table row or list item text matches (e.g. the admin's own row);
    `shell` marks a control of the frame every page shares (operated once per role, not per page);
    `ends_session` marks a control after which the crawl signs the role in again (operated after
    the page's other controls and links).
    """

    key: str
    effects: tuple[Effect, ...]
    action: Click | Fill | Choose = Click()
    roles: frozenset[str] = ROLES
    routes: str = ".*"
    state: str = ""
    avoid: str = ""
    shell: bool = False
    ends_session: bool = False

    def matches(self, found: Found, role: str, visit: Visit) -> bool:
        return (
            role in self.roles
            and re.fullmatch(self.key, found.key) is not None
            and re.fullmatch(self.routes, visit.route) is not None
            and self.state in ("", visit.label)
        )

    def operable(self, found: Found) -> bool:
        return not found.disabled and not (self.avoid and re.search(self.avoid, found.row))


@dataclass(frozen=True)
class ServerRoute:
    """A route links may point to that is not a page of the app: where following it lands, and what
    to do there before coming back (e.g. grant consent at the simulated provider)."""

    path: str  # regex over the link's path
    lands: str  # regex over the URL the browser reaches
    then: Callable[[Page], None] | None = None


def route_regex(route: str) -> str:
    """`/artists/[slug]` -> a regex matching `/artists/<anything without a slash>`."""
    return re.sub(r"\\\[[^/]+?\\\]", "[^/]+", re.escape(route))


@dataclass
class Crawl:
    """One role's crawl of a list of page visits, collecting problems."""

    page: Page
    role: str
    base_url: str
    controls: list[Control]
    routes: list[str]  # the app's page routes, e.g. "/artists/[slug]"
    server_routes: list[ServerRoute]
    shots: Path
    restore_session: Callable[[Page], None]
    load_toasts: str = "$^"  # error toasts a page may show as it loads (e.g. a refusal), a regex
    problems: list[str] = field(default_factory=list)
    operated: set[str] = field(default_factory=set)  # registry keys operated at least once
    _done: set[tuple[str, str]] = field(default_factory=set)  # (scope, registry key)
    # trigger (scope, key) -> what its overlay holds: (is a link, registry key or link kind)
    _overlay: dict[tuple[str, str], set[tuple[bool, str]]] = field(default_factory=dict)
    _followed: set[str] = field(default_factory=set)  # link targets followed
    _reopened: dict[tuple[str, str], int] = field(default_factory=dict)
    _attempts: dict[tuple[str, str], int] = field(default_factory=dict)
    _where: str = ""
    _shot: int = 0

    def __post_init__(self) -> None:
        self.shots.mkdir(parents=True, exist_ok=True)
        self.page.add_init_script(_OBSERVER_JS)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self._problem(f"uncaught exception: {exc}"))
        self.page.on("response", self._on_response)

    # -- problems ----------------------------------------------------------------------------------

    def _problem(self, message: str) -> None:
        entry = f"[{self.role} {self._where}] {message}"
        if entry not in self.problems:
            self.problems.append(entry)

    def _on_console(self, msg: ConsoleMessage) -> None:
        if msg.type in ("error", "warning") and not msg.text.startswith(_REPORTED_BY_RESPONSE):
            self._problem(f"console {msg.type}: {msg.text[:400]}")

    def _on_response(self, response: Response) -> None:
        """Server errors anywhere; missing files the page itself asked for (not the page: an unknown
        page answers 404 on purpose)."""
        if response.status >= 500 or (
            response.status == 404 and response.request.resource_type != "document"
        ):
            self._problem(f"HTTP {response.status} for {response.url}")

    # -- pages -------------------------------------------------------------------------------------

    def open(self, visit: Visit) -> None:
        """Load a page and wait until it has rendered its data."""
        self._where = f"{visit.path}{f' ({visit.label})' if visit.label else ''}"
        response = self.page.goto(self.base_url + visit.path)
        if response is None or response.status >= 400:
            self._problem(f"GET {visit.path} answered {response.status if response else 'nothing'}")
        self.settle()
        for toast in _toasts(self.page):
            if toast["type"] == "error" and not re.fullmatch(self.load_toasts, toast["text"].strip()):
                self._problem(f"error toast as the page loads: {toast['text'][:200]}")

    def settle(self) -> None:
        """Wait for skeletons to go and the DOM to be quiet for a moment, then check the layout."""
        try:
            self.page.wait_for_function(
                "() => ![...document.querySelectorAll('.rt-Skeleton')].some(e => e.getClientRects().length)",
                timeout=20_000,
            )
            self.page.evaluate(_QUIET_JS, [200, 3000])
        except Error as exc:
            self._problem(f"the page did not finish loading: {str(exc).splitlines()[0]}")
        for issue in self.page.evaluate(_OVERFLOW_JS):
            self._problem(f"layout: {issue}")

    def screenshot(self, what: str) -> None:
        self._shot += 1
        name = re.sub(r"[^a-zA-Z0-9]+", "-", f"{self._where} {what}").strip("-")[:110]
        self.page.screenshot(path=str(self.shots / f"{self._shot:03d}-{name}.png"))

    def crawl(self, visit: Visit) -> None:
        """Operate every control of the page (and of its overlays) once, follow new kinds of links."""
        self.open(visit)
        self.screenshot("loaded")
        page_scope = f"{visit.route} {visit.label}"
        trigger: tuple[str, str] | None = None  # (scope, key) of the control whose overlay is open
        for _ in range(300):  # a guard against a page that never runs out of controls, not a budget
            scan = self.page.evaluate(_SCAN_JS)
            found = [Found(**f) for f in scan["controls"]]
            if not scan["inOverlay"]:
                trigger = None
            todo: dict[str, tuple[Found, Control, str]] = {}
            links: list[Found] = []
            for f in found:
                if f.href:
                    kind = self._check_link(f)
                    if kind is not None and trigger:
                        self._overlay.setdefault(trigger, set()).add((True, kind))
                    here = urlparse(f.href).path.rstrip("/") == visit.path.rstrip("/")
                    if kind is not None and kind not in self._followed and not (f.disabled or here):
                        links.append(f)
                    continue
                control = self._control(f, visit)
                if control is None:
                    continue
                scope = _inside(trigger) if trigger else ("*" if control.shell else page_scope)
                if not control.operable(f):
                    continue
                if trigger:
                    self._overlay.setdefault(trigger, set()).add((False, control.key))
                if not self._is_done(scope, control.key):
                    todo.setdefault(control.key, (f, control, scope))
            ordered = [todo[c.key] for c in self.controls if c.key in todo]
            now = [t for t in ordered if not t[1].ends_session]
            # An overlay left unfinished comes first: other controls may change the page (a filter)
            # so that its trigger is gone.
            again = None if scan["inOverlay"] else self._unfinished_trigger(found, visit, page_scope)
            if again is not None:
                self.operate(*again)
                trigger = (again[2], again[1].key)
            elif now or (ordered and not links):
                f, control, scope = (now or ordered)[0]
                if self.operate(f, control, scope) and not scan["inOverlay"]:
                    trigger = (scope, control.key)
                self._stay(visit, control)
            elif links:
                self.follow(visit, links[0])
            elif scan["inOverlay"]:
                self.page.keyboard.press("Escape")  # every control inside is done: close it
                self.settle()
            else:
                return
        self._problem("gave up: the page kept offering controls after 300 operations")

    def _stay(self, visit: Visit, control: Control) -> None:
        """Back to the page under crawl if a control led elsewhere (its effects were checked there) or
        the session was restored elsewhere."""
        if control.ends_session or urlparse(self.page.url).path.rstrip("/") != visit.path.rstrip("/"):
            self.open(visit)

    def _control(self, found: Found, visit: Visit) -> Control | None:
        """The registry entry for a control; an unknown control is a problem."""
        control = next((c for c in self.controls if c.matches(found, self.role, visit)), None)
        if control is None:
            self._problem(f"unknown control {found.key} on {visit.route}: declare its effect in the registry")
        return control

    def _is_done(self, scope: str, key: str, link: bool = False) -> bool:
        return key in self._followed if link else (scope, key) in self._done

    def _unfinished_trigger(
        self, found: list[Found], visit: Visit, page_scope: str
    ) -> tuple[Found, Control, str] | None:
        """A trigger on this page whose overlay still has controls (or links) left to operate."""
        for f in found:
            if f.href:
                continue
            control = next((c for c in self.controls if c.matches(f, self.role, visit)), None)
            if control is None or not control.operable(f):
                continue
            trigger = ("*" if control.shell else page_scope, control.key)
            reopened = self._reopened.get(trigger, 0)
            if reopened < MAX_REOPEN and any(
                not self._is_done(_inside(trigger), key, link) for link, key in self._overlay.get(trigger, ())
            ):
                self._reopened[trigger] = reopened + 1
                return f, control, trigger[0]
        return None

    # -- operating ---------------------------------------------------------------------------------

    def operate(self, found: Found, control: Control, scope: str) -> bool:
        """Perform the control's action and wait for its declared effects; True if an overlay opened.

        If the element went away before the action (a live list re-rendered), nothing is recorded and
        the next scan finds the control again (a few times at most).
        """
        attempts = self._attempts[(scope, control.key)] = self._attempts.get((scope, control.key), 0) + 1
        element = self.page.locator(f"[data-crawl='{found.index}']")
        step = Step(self.page, element, self._shot)
        try:
            if isinstance(control.action, Fill) and found.role == "textbox":
                self._long_text(step, control.action)
            overlays, toasts = _overlays_open(self.page), len(_toasts(self.page))
            befores = [effect.before(step) for effect in control.effects]
            control.action.perform(step)
        except Error as exc:
            if element.count() == 0 and attempts < MAX_ATTEMPTS:
                return False
            self._done.add((scope, control.key))
            self._problem(f"could not operate {found.key}: {str(exc).splitlines()[0]}")
            return False
        self._done.add((scope, control.key))
        self.operated.add(control.key)
        missing = self._await(step, list(zip(control.effects, befores, strict=True)))
        if missing:
            self._problem(f"{found.key} had no effect: expected {'; '.join(map(str, missing))}")
        expects_error = any(isinstance(e, Toast) and e.kind == "error" for e in control.effects)
        for toast in _toasts(self.page)[toasts:]:
            if toast["type"] == "error" and not expects_error:
                self._problem(f"error toast after {found.key}: {toast['text'][:200]}")
        self.settle()
        self.screenshot(found.key)
        if control.ends_session:
            self.restore_session(self.page)
        return _overlays_open(self.page) > overlays

    def _await(self, step: Step, pending: list[tuple[Effect, Any]]) -> list[Effect]:
        deadline = time.monotonic() + EFFECT_TIMEOUT
        while pending and time.monotonic() < deadline:
            pending = [(e, b) for e, b in pending if not _holds(e, step, b)]
            if pending:
                self.page.wait_for_timeout(100)  # the polling interval of a condition wait
        return [e for e, _ in pending]

    def _long_text(self, step: Step, fill: Fill) -> None:
        """Before the valid value: 5,000 characters typed into a text field must not break the layout."""
        where = self._where
        self._where += " with 5,000 characters typed"
        mutations = self.page.evaluate("() => window.__crawlMutations")
        Fill(LONG_TEXT, fill.submit).perform(step)
        # A search answers after a debounce and a server round trip: wait for the page to change (a
        # free-text form field changes nothing until submitted, so no change is no problem).
        with contextlib.suppress(Error):
            self.page.wait_for_function(f"() => window.__crawlMutations > {mutations}", timeout=2_000)
        self.settle()
        self.screenshot("long text")
        self._where = where

    # -- links -------------------------------------------------------------------------------------

    def target(self, href: str) -> str | None:
        """The page route or server route a link leads to; None if it leads nowhere in the app."""
        path = urlparse(href).path.rstrip("/") or "/"
        route = next((r for r in self.routes if re.fullmatch(route_regex(r), path)), None)
        return route or next((s.path for s in self.server_routes if re.fullmatch(s.path, path)), None)

    def _check_link(self, found: Found) -> str | None:
        """Check a link statically; the kind of link it is (None for external or broken links): the
        route it leads to, and for a server route whether the client router handles it (React Router
        marks such links `data-discover`) — each kind is followed once per role."""
        url = urlparse(found.href)
        if url.scheme in ("http", "https") and url.netloc != urlparse(self.base_url).netloc:
            if found.target != "_blank":
                self._problem(f"external link {found.href} replaces the app (it should open a new tab)")
            return None
        target = self.target(found.href)
        if target is None:
            self._problem(f"link {found.name!r} to {found.href} leads to no page of the app")
            return None
        server = any(s.path == target for s in self.server_routes)
        return f"{target} (client-routed)" if server and found.routed else target

    def follow(self, visit: Visit, link: Found) -> None:
        """Click the link, check where it lands, then come back to the page under crawl."""
        target = self.target(link.href) or link.href
        self._followed.add(self._check_link(link) or target)
        server = next((s for s in self.server_routes if s.path == target), None)
        before = self.page.url
        want = urlparse(link.href).path.rstrip("/")
        try:
            self.page.locator(f"[data-crawl='{link.index}']").click()
            if server is not None:
                self.page.wait_for_url(re.compile(server.lands), timeout=EFFECT_TIMEOUT * 1000)
            else:
                self.page.wait_for_url(
                    lambda u: u != before and urlparse(u).path.rstrip("/") == want,
                    timeout=EFFECT_TIMEOUT * 1000,
                )
        except Error:
            self._problem(f"the link to {link.href} did not get there (the browser is at {self.page.url})")
        else:
            if server is None:
                self.settle()
            self.screenshot(f"link to {target}")
            if server is not None and server.then is not None:
                server.then(self.page)
        self.open(visit)


def _inside(trigger: tuple[str, str]) -> str:
    """The scope of the controls in the overlay a trigger opens: each overlay's own, so that every
    confirmation dialog gets its Cancel and its confirm operated."""
    return f"{trigger[0]} > {trigger[1]}"


def _holds(effect: Effect, step: Step, before: Any) -> bool:
    try:
        return effect.holds(step, before)
    except Error:  # the element went away meanwhile: not (yet) holding
        return False
