"""The widgets in a real browser: JupyterLab started headless, a notebook opened in headless
Chromium and its cells run. The weight slider is moved with the mouse and the new image grid is
seen (its pixels change); in the tag editor a tag is clicked away and saved, and the caption file
and its backup are checked. Screenshots go to ``build/browser/`` (``slider.png`` after the move).

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install chromium chromium-driver``;
``.ci/run`` installs them) and selenium (the ``[dev]`` extra). Without them the test is skipped
with the reason, except when ``CI`` is set: there it fails, so CI cannot skip it silently.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from lora_course.datasets.dataset import backups_of

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "browser"
IN_CI = bool(os.environ.get("CI"))

SLIDER_CELLS = [
    "import torch\ntorch.set_num_threads(1)   # the browser and the server need a core too",
    "from lora_course import course, widgets\n"
    "from lora_course.lora import LoraTrainConfig\n"
    "lab = course.setup(seeds=4)\n"
    "# a short LoRA (cached in build/loras after the first run): enough to change the pictures\n"
    "quick = LoraTrainConfig(steps=12, batch_size=4, warmup_steps=0, unet_lr=1e-2)\n"
    "name = lab.train('weiwei_1', quick, name='browser_slider', progress=False)",
    "slider = widgets.SliderLab.from_lab(lab, prompt='weiwei', lora_name=name, weight=1.0, n_images=4)\n"
    "slider",
    # a reading in both languages, as the notebooks render them (lora_course.measure.readings)
    "from lora_course.measure import readings\n"
    "readings.say('Her on {h} of the seeds.', '她出现在 {h} 的种子上（模棱两可的图不算）。', h=0.5)",
]
#: What the Chinese half of that reading must show in the page, rendered as Markdown.
CHINESE_READING = "她出现在 0.50 的种子上（模棱两可的图不算）。"


def _find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def _require_browser():
    """(chromium, chromedriver) or skip — fail under CI — naming what is missing."""
    chromium, driver = _find_chromium(), shutil.which("chromedriver")
    missing = [what for what, ok in (("chromium", chromium), ("chromedriver (Debian: chromium-driver)", driver),
                                     ("selenium (pip install -e '.[dev]')", importlib.util.find_spec("selenium")))
               if not ok]
    if missing:
        reason = f"the browser test needs {', '.join(missing)}: apt-get install chromium chromium-driver"
        if IN_CI:
            pytest.fail(f"CI is set but {reason} (.ci/run installs them)")
        pytest.skip(reason)
    return chromium, driver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def browser_paths():
    """(chromium, chromedriver), checked before anything is started."""
    return _require_browser()


@pytest.fixture
def jupyter_lab(tmp_path, browser_paths):
    """JupyterLab on a free local port, serving ``tmp_path``; yields (url, token)."""
    port, token = _free_port(), secrets.token_hex(16)
    # a private Jupyter home: no user settings, kernels or workspaces of this machine get in
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / ".config"),
               JUPYTER_DATA_DIR=str(tmp_path / ".data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / ".runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / ".settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / ".workspaces"),
               TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1",
               TRANSFORMERS_VERBOSITY="error", DIFFUSERS_VERBOSITY="error")
    env.pop("MPLBACKEND", None)
    news = tmp_path / ".settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false", "checkForUpdates": false}')   # no news pop-up over the page
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={tmp_path}", "--ServerApp.allow_root=True",
           "--LabApp.expose_app_in_browser=True"]
    log = open(tmp_path / "jupyter.log", "wb")
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("JupyterLab did not start:\n" + (tmp_path / "jupyter.log").read_text()[-3000:])
            time.sleep(0.5)
        yield url, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_missing_browser_skips_here_and_fails_under_ci(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(sys.modules[__name__], "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="needs chromium, chromedriver"):
        _require_browser()
    monkeypatch.setattr(sys.modules[__name__], "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI is set but the browser test needs chromium"):
        _require_browser()


@pytest.fixture
def browser(tmp_path, browser_paths):
    """Headless Chromium driven by Debian's chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    chromium, driver = browser_paths
    opts = Options()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1200", f"--user-data-dir={tmp_path / '.chromium'}"):
        opts.add_argument(arg)
    b = webdriver.Chrome(service=Service(executable_path=driver), options=opts)
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield b
    finally:
        b.quit()


@contextlib.contextmanager
def shot_on_failure(browser, name: str):
    """Keep what the browser showed when a step fails, as build/browser/<name>-failure.png."""
    try:
        yield
    except Exception:
        browser.save_screenshot(str(SHOTS / f"{name}-failure.png"))
        raise


def open_and_run(browser, jupyter_lab, folder: Path, name: str, cells) -> None:
    """Write a notebook of ``cells``, open it in JupyterLab, wait for its kernel, run every cell."""
    from selenium.webdriver.support.ui import WebDriverWait

    url, token = jupyter_lab
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / name)
    browser.get(f"{url}/lab/tree/{name}?token={token}")
    # The notebook is found among the main area's widgets, not as shell.currentWidget: headless
    # Chromium may never give the page focus, and then JupyterLab tracks no current widget.
    notebook = ("const a = window.jupyterapp;"
                "const w = a && Array.from(a.shell.widgets('main')).find(x => x.sessionContext);")
    kernel_idle = (notebook +
                   "const k = w && w.sessionContext.session && w.sessionContext.session.kernel;"
                   "return !!(k && k.status === 'idle' && w.content && w.content.widgets.length === arguments[0]);")
    WebDriverWait(browser, 120, poll_frequency=0.25).until(lambda b: b.execute_script(kernel_idle, len(cells)))
    browser.execute_script(notebook + "a.shell.activateById(w.id); a.commands.execute('notebook:run-all-cells');")


def test_slider_in_jupyterlab(tmp_path, jupyter_lab, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    t0 = time.monotonic()
    with shot_on_failure(browser, "slider"):
        open_and_run(browser, jupyter_lab, tmp_path, "slider.ipynb", SLIDER_CELLS)

        def grid_ready(b):
            """(img src, status text) once the grid is drawn and the status says done."""
            imgs = b.find_elements(By.CSS_SELECTOR, ".lora-lab-grid")
            status = b.find_elements(By.CSS_SELECTOR, ".lora-lab-status")
            if not imgs or not status or not imgs[0].get_attribute("src"):
                return False
            text = status[0].text
            return (imgs[0].get_attribute("src"), text) if text.startswith("✓") else False

        src_before, status_before = WebDriverWait(browser, 120, poll_frequency=0.25).until(grid_ready)
        assert "<lora:browser_slider:1>" in status_before

        def chinese_rendered(b):
            return any(CHINESE_READING in e.text for e in b.find_elements(By.CSS_SELECTOR, ".jp-RenderedMarkdown"))
        WebDriverWait(browser, 60, poll_frequency=0.25).until(chinese_rendered)   # a Chinese cell, rendered
        png_before = browser.find_element(By.CSS_SELECTOR, ".lora-lab-grid").screenshot_as_png
        browser.save_screenshot(str(SHOTS / "slider_before.png"))

        # move the slider with the mouse: press on the left end of its track (noUiSlider's tap)
        track = browser.find_element(By.CSS_SELECTOR, ".lora-lab-weight .noUi-target")
        width = track.size["width"]
        ActionChains(browser).move_to_element_with_offset(track, -width // 2 + 1, 0).click().perform()

        def grid_changed(b):
            r = grid_ready(b)
            return r if r and r[0] != src_before and "<lora:browser_slider:0>" in r[1] else False

        src_after, status_after = WebDriverWait(browser, 60, poll_frequency=0.25).until(grid_changed)
        readout = browser.find_element(By.CSS_SELECTOR, ".lora-lab-weight .widget-readout").text
        assert readout == "0.00"
        prompt = browser.find_element(By.CSS_SELECTOR, ".lora-lab-prompt input").get_attribute("value")
        assert prompt == "weiwei"      # the prompt named no LoRA: it stays as typed
        png_after = browser.find_element(By.CSS_SELECTOR, ".lora-lab-grid").screenshot_as_png
        assert png_after != png_before, "the grid's pixels did not change when the slider moved"
        browser.save_screenshot(str(SHOTS / "slider.png"))
        (SHOTS / "grid_before.png").write_bytes(png_before)
        (SHOTS / "grid_after.png").write_bytes(png_after)
        print(f"slider in the browser: {time.monotonic() - t0:.1f} s; before: {status_before!r}; "
              f"after: {status_after!r}")


EDITOR_CELLS = [
    "from pathlib import Path\n"
    "from lora_course import widgets, world\n"
    "from lora_course.datasets import dataset\n"
    "pictures = [(world.render(world.WEIWEI, seed=i), tags) for i, tags in\n"
    "            enumerate([['weiwei', 'long hair', 'smile'], ['weiwei', 'crying']])]\n"
    "folder = dataset.write_concept(Path('set'), 'weiwei', 10, pictures, stems=['a', 'b'])\n"
    "widgets.TagEditor(folder)",
]


def test_tag_editor_in_jupyterlab(tmp_path, jupyter_lab, browser):
    """Click a tag away, save: the caption file holds the edit and .backup/ the old caption."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    t0 = time.monotonic()
    with shot_on_failure(browser, "tag_editor"):
        open_and_run(browser, jupyter_lab, tmp_path, "editor.ipynb", EDITOR_CELLS)
        wait = WebDriverWait(browser, 60, poll_frequency=0.25)
        smile = ("(//div[contains(@class,'lora-tag-row')])[1]//button[normalize-space()='smile']")
        wait.until(lambda b: b.find_elements(By.XPATH, smile))
        browser.find_element(By.XPATH, smile).click()
        status = lambda b: b.find_element(By.CSS_SELECTOR, ".lora-tag-status").text
        wait.until(lambda b: "1 unsaved" in status(b))
        browser.save_screenshot(str(SHOTS / "tag_editor.png"))
        browser.find_element(By.CSS_SELECTOR, ".lora-tag-save").click()
        wait.until(lambda b: "saved 1 caption(s); 1 old version(s)" in status(b))

        concept = tmp_path / "set" / "10_weiwei"
        assert (concept / "a.txt").read_text(encoding="utf-8") == "weiwei, long hair"
        assert (concept / "b.txt").read_text(encoding="utf-8") == "weiwei, crying"
        backups = backups_of(concept / "a.txt")
        assert [p.read_text(encoding="utf-8") for p in backups] == ["weiwei, long hair, smile"]
        print(f"tag editor in the browser: {time.monotonic() - t0:.1f} s")

