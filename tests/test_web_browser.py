"""The web stepper in a real headless browser: Debian's chromium and chromium-driver, driven by selenium.

These tests open the page ``kernelsim run|step X --html FILE`` writes, press its keys, search, follow
a permalink, and compare what the panels show with the run's own snapshots.  One test looks at the
pixels of screenshots (the theme's background, panels that are drawn).  CI installs chromium,
chromium-driver and selenium (.ci/run); the tests skip only where one of them is absent, and say which.
"""

import shutil
import struct
import tempfile
import zlib
from pathlib import Path

import pytest

from kernelsim import scenario
from kernelsim.ui import html, narration, view
from kernelsim.ui.stepper import resolve_step

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000"]


def _find(*names):
    for name in names:
        path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver",
                                    reason="selenium is not installed: pip install 'kernelsim[browser]'")
    chromium = _find("chromium", "chromium-browser")
    driver_path = _find("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("chromium and chromium-driver are not installed here "
                    "(apt-get install chromium chromium-driver; CI installs them)")
    from selenium.webdriver.chrome.service import Service
    profile = tempfile.mkdtemp(prefix="kernelsim-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def lifo(tmp_path_factory):
    sc = scenario.load("lifo-wakeup")
    outcome = scenario.run(sc)
    path = tmp_path_factory.mktemp("web") / "lifo.html"
    html.write(path, sc, outcome)
    return path, outcome, view.frames(sc, outcome)


def open_page(driver, path, fragment=""):
    """Load the page afresh (a new fragment alone would not reload it)."""
    driver.get("about:blank")
    driver.get(path.as_uri() + fragment)
    driver.execute_script("document.activeElement && document.activeElement.blur()")
    return driver.find_element("tag name", "body")


def step_shown(driver):
    return int(driver.execute_script("return document.body.dataset.step"))


def text_of(driver, element_id):
    return driver.find_element("id", element_id).text


def press(driver, *keys):
    from selenium.webdriver.common.action_chains import ActionChains
    chain = ActionChains(driver)
    for key in keys:
        chain.send_keys(key)
    chain.perform()


def keys():
    from selenium.webdriver.common.keys import Keys
    return Keys


def test_keys_step_forward_back_and_to_either_end(browser, lifo):
    """→ and ← move one step, End and Home to the last and first; the banner shows that step's event."""
    path, outcome, frames = lifo
    K = keys()
    open_page(browser, path)
    assert step_shown(browser) == 1
    press(browser, K.ARROW_RIGHT, K.ARROW_RIGHT)
    assert step_shown(browser) == 3
    press(browser, K.ARROW_LEFT)
    assert step_shown(browser) == 2
    assert narration.text(view.current_event(frames[1])) in text_of(browser, "banner")
    press(browser, K.END)
    assert step_shown(browser) == len(frames)
    assert f"step {len(frames)}/{len(frames)}" in text_of(browser, "banner")
    press(browser, K.HOME)
    assert step_shown(browser) == 1
    assert browser.execute_script("return location.hash") == "#step=1"


def test_search_finds_the_lifo_release_and_the_panels_show_that_step(browser, lifo):
    """'/' then text and Enter goes to the first event that mentions it: T3 released (A4).  The
    threads, port, source and log panels then show exactly that step's snapshot."""
    path, outcome, frames = lifo
    open_page(browser, path)
    press(browser, "/")
    assert browser.switch_to.active_element.get_attribute("id") == "search"
    press(browser, "T3 released", keys().ENTER)
    index = resolve_step(frames, "T3 released")
    assert step_shown(browser) == index + 1
    snap = frames[index].snapshot
    event = view.current_event(frames[index])
    assert narration.text(event) in text_of(browser, "current-event")
    rows = browser.find_elements("css selector", "#p-threads tbody tr")
    assert [r.find_elements("tag name", "td")[0].text for r in rows] == [t.name for t in snap.threads]
    assert [r.find_elements("tag name", "td")[1].text for r in rows] == [t.state for t in snap.threads]
    port = snap.ports[0]
    port_text = text_of(browser, f"p-port-{port.handle}")
    assert f"running {port.current}/{port.maximum}" in port_text
    assert f"{port.waiters[0]}  ← released next".replace("  ", " ") in port_text.replace("  ", " ")
    assert "T3" not in [w for w in port.waiters]
    assert text_of(browser, "source-here").lstrip("▶ ").startswith(str(event.line))
    assert f"lifo_wakeup.py, line {event.line}" in text_of(browser, "p-source")
    current = browser.find_element("css selector", "#log tr.current")
    assert narration.text(event) in current.text
    assert browser.execute_script("return location.hash") == f"#step={index + 1}"


def test_a_permalink_opens_its_step_and_the_fragment_follows_the_steps(browser, lifo):
    """#step=N in the address opens step N; moving updates the fragment; changing it moves the page."""
    path, outcome, frames = lifo
    open_page(browser, path, "#step=14")
    assert step_shown(browser) == 14
    assert f"step 14/{len(frames)}" in text_of(browser, "banner")
    assert narration.text(view.current_event(frames[13])) in text_of(browser, "current-event")
    press(browser, keys().ARROW_RIGHT)
    assert browser.execute_script("return location.hash") == "#step=15"
    assert browser.find_element("id", "permalink").get_attribute("href").endswith("#step=15")
    browser.execute_script("location.hash = '#step=3'")            # hashchange is delivered as a task
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, 5).until(lambda d: step_shown(d) == 3)
    open_page(browser, path, "#step=-1")
    assert step_shown(browser) == len(frames)


def test_g_goes_to_a_step_a_time_or_an_event(browser, lifo):
    """'g' opens the go-to box: a step number, 't 30' (the first step at 30 ms), or event text."""
    path, outcome, frames = lifo
    open_page(browser, path)
    press(browser, "g", "7", keys().ENTER)
    assert step_shown(browser) == 7
    press(browser, "g", "t 30", keys().ENTER)
    first_at_30 = next(i for i, f in enumerate(frames) if f.snapshot.time >= 30)
    assert step_shown(browser) == first_at_30 + 1
    press(browser, "g", "T3 notes", keys().ENTER)
    assert step_shown(browser) == resolve_step(frames, "T3 notes") + 1
    press(browser, "g", "999", keys().ENTER)
    assert "no step 999" in text_of(browser, "message")


def _png_pixels(data):
    """Decode a PNG screenshot (8-bit RGB/RGBA, not interlaced) → (width, height, rows of (r, g, b))."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    channels = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append([tuple(line[x * channels:x * channels + 3]) for x in range(width)])
        previous = line
    return width, height, rows


def _shot(driver, element_id):
    return _png_pixels(driver.find_element("id", element_id).screenshot_as_png)


def _ink(rows, background):
    """The fraction of pixels clearly unlike the background (text, bars, borders)."""
    total = ink = 0
    for row in rows:
        for px in row:
            total += 1
            if sum(abs(a - b) for a, b in zip(px, background)) > 90:
                ink += 1
    return ink / total


def test_screenshots_show_the_theme_and_panels_that_are_drawn(browser, lifo):
    """Pixels, not the DOM: the page background is white in the light theme and near-black in the
    dark one; the banner, threads, port, memory, source and log panels each cover a real region
    with drawn text in it, in both themes."""
    path, outcome, frames = lifo
    step = resolve_step(frames, "T3 released") + 1
    for theme, background in (("light", (255, 255, 255)), ("dark", (0x15, 0x17, 0x1a))):
        open_page(browser, path, f"#step={step}&theme={theme}")
        assert browser.execute_script("return document.documentElement.dataset.theme") == theme
        width, height, rows = _shot(browser, "message")          # empty: only the page background
        assert width > 100 and height > 5
        assert all(sum(abs(a - b) for a, b in zip(px, background)) <= 6 for row in rows for px in row), theme
        panel_bg = None
        for panel in ("banner", "p-threads", "p-port-8", "p-memory", "p-source", "p-log"):
            width, height, rows = _shot(browser, panel)
            assert width > 200 and height > 40, (theme, panel, width, height)
            inner = [row[8:-8] for row in rows[8:-8]]
            panel_bg = inner[2][2]
            share = _ink(inner, panel_bg)
            assert 0.01 < share < 0.6, (theme, panel, share)
        dark_panel = sum(panel_bg) < 3 * 80
        assert dark_panel == (theme == "dark")


def test_a_failing_schedule_is_shown_as_failed_with_its_replay(browser, tmp_path):
    """A page made to share a breaking schedule says FAILED, why, and the command that replays it."""
    from kernelsim.explore import explore
    sc = scenario.load("counter-race")
    report = explore(sc, budget=2000, stop_at_first=True, minimise_budget=0, check=False)
    outcome = scenario.run(sc, schedule=report.failing.schedule)
    path = tmp_path / "race.html"
    html.write(path, sc, outcome)
    open_page(browser, path)
    assert "check FAILED" in text_of(browser, "verdict")
    assert text_of(browser, "replay") == f"kernelsim step counter-race --schedule {outcome.schedule}"
    assert outcome.failures[0][:40] in text_of(browser, "meta")


def test_a_run_without_snapshots_steps_through_its_events(browser, tmp_path):
    """CONFIG snapshots=False: the page says the state was not recorded and still steps the log and source."""
    sc = scenario.load("zero-byte-recv")
    outcome = scenario.run(sc)
    path = tmp_path / "big.html"
    html.write(path, sc, outcome)
    open_page(browser, path, "#step=5")
    assert "state not recorded" in text_of(browser, "state")
    event = outcome.trace.events[4]
    assert narration.text(event) in text_of(browser, "current-event")
    assert text_of(browser, "source-here").lstrip("▶ ").startswith(str(event.line))


def test_the_session_panel_shows_iocount_and_the_release_flag(browser, tmp_path):
    """sendpacket-vs-release-fixed: at the release row the session panel shows IOCount 0 and the release
    flag, and the source panel shows the library's line (fixed.py) that made the row."""
    sc = scenario.load("sendpacket-vs-release-fixed")
    outcome = scenario.run(sc)
    frames = view.frames(sc, outcome)
    path = tmp_path / "release.html"
    html.write(path, sc, outcome)
    i = next(i for i, f in enumerate(frames) if view.current_event(f).kind == "release")
    open_page(browser, path, f"#step={i + 1}")
    cells = [td.text for td in browser.find_elements("css selector", "#p-sessions tbody tr:first-child td")]
    row = frames[i].snapshot.sessions[0]
    assert cells[:7] == [row.id, "0", str(row.generation), str(row.sock), "0", "YES", "0"]
    e = view.current_event(frames[i])
    assert f"fixed.py, line {e.line}" in text_of(browser, "p-source")
    assert 'narrate("release"' in text_of(browser, "source-here")
    assert f"fixed.py:{e.line}" in browser.find_element("css selector", "#log tr.current").text


def test_the_small_wsaenobufs_page_draws_a_red_gauge(browser, tmp_path):
    """wsaenobufs-small: at the first WSAENOBUFS the locked-pages gauge is red on screen (pixels) and
    says NEAR LIMIT; at the first step it is not."""
    sc = scenario.load("wsaenobufs-small")
    outcome = scenario.run(sc)
    frames = view.frames(sc, outcome)
    path = tmp_path / "nobufs.html"
    html.write(path, sc, outcome)
    i = next(i for i, f in enumerate(frames) if "WSAENOBUFS" in view.current_event(f).text)
    open_page(browser, path, f"#step={i + 1}&theme=light")
    gauge = browser.find_element("id", "g-locked")
    assert "near" in gauge.get_attribute("class") and "NEAR LIMIT" in gauge.text
    width, height, rows = _png_pixels(browser.find_element("css selector", "#g-locked .fill").screenshot_as_png)
    r, g, b = rows[height // 2][width // 2]
    assert r > 150 and g < 80 and b < 80, (r, g, b)                  # --near: #c5221f
    open_page(browser, path, "#step=1")
    assert "near" not in browser.find_element("id", "g-locked").get_attribute("class")


def test_the_locks_panel_shows_owner_recursion_and_waiters(browser, tmp_path):
    """A critical section held twice by main while T1 waits: the page's locks panel shows the owner,
    RecursionCount 2 and T1 waiting, as the terminal view does (L1, L2)."""
    path = tmp_path / "cs.py"
    path.write_text(
        "from kernelsim.win32 import *\n\n"
        "def other(cs):\n    yield EnterCriticalSection(cs)\n    yield LeaveCriticalSection(cs)\n\n"
        "def main():\n    cs = CRITICAL_SECTION('session')\n    yield InitializeCriticalSection(cs)\n"
        "    yield EnterCriticalSection(cs)\n    yield EnterCriticalSection(cs)\n"
        "    yield CreateThread(other, cs, name='T1')\n    yield Sleep(5)\n"
        "    yield LeaveCriticalSection(cs)\n    yield LeaveCriticalSection(cs)\n    yield Sleep(5)\n",
        encoding="utf-8")
    sc = scenario.load(str(path))
    outcome = scenario.run(sc)
    frames = view.frames(sc, outcome)
    i = next(i for i, f in enumerate(frames) if f.snapshot.locks and f.snapshot.locks[0].waiters)
    lock = frames[i].snapshot.locks[0]
    page = tmp_path / "cs.html"
    html.write(page, sc, outcome)
    open_page(browser, page, f"#step={i + 1}")
    cells = [td.text for td in browser.find_elements("css selector", "#p-locks tbody tr:first-child td")]
    assert cells[:4] == [lock.name, "held", "main", "2"] and "T1" in cells[5]
    assert lock.owner == "main" and lock.recursion == 2
