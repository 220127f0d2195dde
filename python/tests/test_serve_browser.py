"""`aimport serve` in a real browser (Debian's chromium, headless, driven by Selenium): the page
loads the recordings, requests spectrogram tiles only for what is on screen, every tile it
shows decodes, and its screenshot shows a sweep at the height of the source's frequency; zooming asks for the new view's tiles only. The timeline of a 30-day deployment
zooms and pans without asking the server for anything, draws only the recordings in its window
and shows a gap as a gap. Skipped where chromium is missing."""
import datetime
import shutil
import subprocess
import time

import numpy
import pytest
from conftest import serving
from test_spectrogram_reference import png_pixels


@pytest.fixture
def served(aimport, tmp_path):
    wav = tmp_path / "20250416_043000.wav"
    subprocess.run(["sox", "-R", "-n", "-r", "96000", "-b", "16", "-c", "1", str(wav), "synth", "120", "sine", "2000-30000"], check=True)
    store = str(tmp_path / "s.zarr")
    subprocess.run([aimport, "import", "--store", store, str(wav)], check=True, capture_output=True)
    with serving(aimport, store) as address:
        yield address


# Two sites, four 2 s recordings a day from 1 April 2025 for 30 days, none on days 10 to 12.
FIRST_DAY = datetime.datetime(2025, 4, 1, tzinfo=datetime.timezone.utc)
DEPLOYMENT = [FIRST_DAY + datetime.timedelta(days=day, hours=6 * k) for day in range(30) if not 10 <= day < 13 for k in range(4)]


@pytest.fixture
def deployment(aimport, tmp_path):
    source = tmp_path / "tone.wav"
    subprocess.run(["sox", "-R", "-n", "-r", "8000", "-b", "16", "-c", "1", str(source), "synth", "2", "sine", "1000"], check=True)
    for k, start in enumerate(DEPLOYMENT):
        folder = tmp_path / "cards" / ("north" if k % 2 == 0 else "south")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, folder / f"{start:%Y%m%d_%H%M%S}.wav")
    store = str(tmp_path / "season.zarr")
    subprocess.run([aimport, "import", "--store", store, "--allow-duplicate", "--timezone", "UTC", str(tmp_path / "cards")], check=True, capture_output=True)
    with serving(aimport, store) as address:
        yield address


def chromium():
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.skip("chromium and chromedriver are not installed (scripts/install-deps installs them)")
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1100,700"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=webdriver.ChromeService(executable_path=shutil.which("chromedriver")), options=options)


def wait_until_ready(driver):
    for _ in range(300):
        if driver.execute_script("return document.body.dataset.ready === '1' && [...document.querySelectorAll('#view img')].every(i => i.complete)"):
            return
        time.sleep(0.05)
    raise AssertionError("the page did not finish loading its tiles")


def requests_to_the_server(driver):
    return driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/'))")


def test_the_timeline_of_a_month_zooms_and_pans_drawing_only_what_is_in_view(deployment):
    driver = chromium()
    try:
        driver.get(deployment)
        wait_until_ready(driver)

        def window():
            start, span = driver.execute_script("return document.getElementById('timeline').dataset.window").split(" ")
            return datetime.datetime.fromisoformat(start.replace("Z", "+00:00")), float(span) / 1000

        def bars():
            return driver.execute_script("""
                const width = document.getElementById('timeline').clientWidth;
                return [...document.querySelectorAll('#timeline .rec')].map(b => ({id: b.dataset.id, left: parseFloat(b.style.left),
                    right: parseFloat(b.style.left) + parseFloat(b.style.width), top: parseFloat(b.style.top), width}));""")

        starts = {int(k): datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
                  for k, t in driver.execute_script("return recordings.map(r => [r.id, r.start])")}
        assert sorted(starts.values()) == DEPLOYMENT

        def in_window():
            start, span = window()
            return {k for k, t in starts.items() if t + datetime.timedelta(seconds=2) >= start and t <= start + datetime.timedelta(seconds=span)}

        # The whole month: a bar per recording (they lie pixels apart), two rows, and the three empty days empty.
        shown = bars()
        assert len(shown) == len(DEPLOYMENT) == len(in_window())
        assert len({b["top"] for b in shown}) == 2
        start, span = window()
        pixels_per_day = shown[0]["width"] / (span / 86400)
        lefts = sorted(b["left"] for b in shown)
        assert max(b - a for a, b in zip(lefts, lefts[1:])) > 3 * pixels_per_day
        asked = len(requests_to_the_server(driver))

        # Zoom in on the 20th with the wheel, then drag a day to the right: nothing asked of the server,
        # only recordings in the window drawn, each inside the timeline.
        timeline = driver.find_element("id", "timeline")
        for _ in range(4):
            x = (datetime.datetime(2025, 4, 20, 12, tzinfo=datetime.timezone.utc) - window()[0]).total_seconds() / window()[1] * shown[0]["width"]
            driver.execute_script("""document.getElementById('timeline').dispatchEvent(new WheelEvent('wheel',
                {deltaY: -100, clientX: arguments[0] + document.getElementById('timeline').getBoundingClientRect().left,
                 clientY: document.getElementById('timeline').getBoundingClientRect().top + 5, bubbles: true, cancelable: true}))""", x)
        assert 86400 < window()[1] < 4 * 86400
        from selenium.webdriver import ActionChains
        ActionChains(driver).move_to_element(timeline).click_and_hold().move_by_offset(-300, 0).release().perform()
        visible = bars()
        assert visible and {int(b["id"]) for b in visible} <= in_window() and len({int(b["id"]) for b in visible}) == len(in_window())
        assert all(b["right"] >= 0 and b["left"] <= b["width"] for b in visible)
        assert len(requests_to_the_server(driver)) == asked, "scrolling the timeline asked the server for something"

        # A click on a bar opens that recording; tiles are then asked for that recording only.
        target = driver.find_elements("css selector", "#timeline .rec")[0]
        chosen = target.get_attribute("data-id")
        ActionChains(driver).move_to_element(target).click().perform()
        wait_until_ready(driver)
        assert driver.execute_script("return document.getElementById('recording').value") == chosen
        new = requests_to_the_server(driver)[asked:]
        assert new and all(f"recording={chosen}&" in url for url in new if "/api/tile" in url)
        severe = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert not severe, severe
    finally:
        driver.quit()


def test_the_page_requests_only_visible_tiles_and_shows_them(served, tmp_path):
    driver = chromium()
    try:
        driver.get(served)

        def tiles():
            return driver.execute_script("""
                const width = document.getElementById('view').clientWidth;
                return [...document.querySelectorAll('#view img')].map(i => ({left: parseFloat(i.style.left), natural: i.naturalWidth,
                    src: i.dataset.src, width}));""")

        def requested():
            return [url for url in requests_to_the_server(driver) if "/api/tile" in url]

        wait_until_ready(driver)
        shown = tiles()
        assert shown and all(t["natural"] == 256 for t in shown)
        assert all(-256 < t["left"] < t["width"] for t in shown), "a tile off screen was placed"
        assert sorted(set(requested())) == sorted(served.rstrip("/") + t["src"] for t in shown)

        # The screenshot shows the sweep at its height in each column: the brightest pixel of a column
        # is where the source's loudest frequency at that instant (numpy's FFT of the file) lies on the 0-48 kHz axis.
        soundfile = pytest.importorskip("soundfile")
        source, rate = soundfile.read(str(tmp_path / "20250416_043000.wav"))

        def loudest_hz(seconds):
            first = int(seconds * rate) - 2048
            return numpy.argmax(numpy.abs(numpy.fft.rfft(source[first:first + 4096] * numpy.hanning(4096)))) * rate / 4096

        box = driver.execute_script("""const r = document.getElementById('view').getBoundingClientRect();
            return {left: r.left, top: r.top, width: r.width, height: r.height, start: viewStart, spp: secondsPerPixel, dpr: devicePixelRatio};""")
        assert box["dpr"] == 1
        screen = png_pixels(driver.get_screenshot_as_png())[:, :, :3].sum(axis=2)
        view = screen[int(box["top"]):int(box["top"] + box["height"]), int(box["left"]):int(box["left"] + box["width"])]
        misplaced, columns = 0, 0
        for x in range(0, view.shape[1], 7):
            seconds = box["start"] + (x + 0.5) * box["spp"]
            if not 1 < seconds < 119:
                continue
            expected = (1 - loudest_hz(seconds) / 48000) * box["height"]
            columns += 1
            misplaced += abs(int(view[:, x].argmax()) - expected) > 3
        assert columns > 50 and misplaced <= columns // 20, f"{misplaced} of {columns} columns show the sweep elsewhere"

        for _ in range(4):
            driver.find_element("id", "zoomIn").click()
            wait_until_ready(driver)
        shown = tiles()
        assert shown and all(t["natural"] == 256 and -256 < t["left"] < t["width"] for t in shown)
        # Every tile asked for covered part of a view that was on screen: none beyond the recording's end.
        for url in requested():
            start = float(url.split("start=")[1].split("&")[0])
            assert 0 <= start < 120
        assert len(requested()) <= 5 * (1100 // 256 + 2), "more tiles were requested than views showed"
        severe = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert not severe, severe
    finally:
        driver.quit()
