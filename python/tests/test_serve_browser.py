"""`aimport serve` in a real browser (Debian's chromium, headless, driven by Selenium): the page
loads the recordings, requests spectrogram tiles only for what is on screen, and every tile it
shows decodes; zooming asks for the new view's tiles only. Skipped where chromium is missing."""
import shutil
import subprocess
import time

import pytest


@pytest.fixture
def served(aimport, tmp_path):
    wav = tmp_path / "20250416_043000.wav"
    subprocess.run(["sox", "-R", "-n", "-r", "96000", "-b", "16", "-c", "1", str(wav), "synth", "120", "sine", "2000-30000"], check=True)
    store = str(tmp_path / "s.zarr")
    subprocess.run([aimport, "import", "--store", store, str(wav)], check=True, capture_output=True)
    server = subprocess.Popen([aimport, "serve", "--store", store, "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert line.startswith("aimport serve: http://127.0.0.1:"), line
        yield line.split(": ", 1)[1].strip()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_page_requests_only_visible_tiles_and_shows_them(served):
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.skip("chromium and chromedriver are not installed (scripts/install-deps installs them)")
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1100,700"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=shutil.which("chromedriver")), options=options)
    try:
        driver.get(served)

        def settled():
            for _ in range(300):
                done = driver.execute_script(
                    "return document.body.dataset.ready === '1' && [...document.querySelectorAll('#view img')].every(i => i.complete)")
                if done:
                    return
                time.sleep(0.05)
            raise AssertionError("the page did not finish loading its tiles")

        def tiles():
            return driver.execute_script("""
                const width = document.getElementById('view').clientWidth;
                return [...document.querySelectorAll('#view img')].map(i => ({left: parseFloat(i.style.left), natural: i.naturalWidth,
                    src: i.dataset.src, width}));""")

        def requested():
            return driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/tile'))")

        settled()
        shown = tiles()
        assert shown and all(t["natural"] == 256 for t in shown)
        assert all(-256 < t["left"] < t["width"] for t in shown), "a tile off screen was placed"
        assert sorted(set(requested())) == sorted(served.rstrip("/") + t["src"] for t in shown)

        for _ in range(4):
            driver.find_element("id", "zoomIn").click()
            settled()
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
