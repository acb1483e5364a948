"""A real client in headless chromium: a page on @langchain/langgraph-sdk's React ``useStream`` hook (what
agent-chat-ui is built on; tests/server/usestream/page.jsx) against `supportgraph serve` with API keys.

The page is bundled once with esbuild from npm (cached under ``.test-cache/``, keyed by the page and its pinned
packages) and served by playwright at the API's own origin. A customer sends two messages (each run carries the
thread's latest checkpoint, as agent-chat-ui's runs do) and meets the review's interrupt; the billing reviewer
approves from the same page; the customer reads the refund, with its amounts as text, not LaTeX.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from supportgraph.server.views import AWAITING_REVIEW
from tests.conftest import missing_in_ci
from tests.server.conftest import ApiServer
from tests.server.helpers import REFUND_TEXT
from tests.workers import file_lock

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PAGE_DIR = Path(__file__).parent / "usestream"
CACHE = Path(os.environ.get("SUPPORTGRAPH_TEST_CACHE", Path(__file__).parents[2] / ".test-cache"))
TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def bundle() -> Path:
    """page.jsx bundled with its npm packages (npm install + esbuild), rebuilt only when the page or pins change."""
    if shutil.which("npm") is None:
        missing_in_ci("npm is missing (Node.js 18+): the useStream page is bundled from npm")
    sources = [PAGE_DIR / "package.json", PAGE_DIR / "page.jsx"]
    key = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    folder = CACHE / f"usestream-{key}"
    out = folder / "app.js"
    with file_lock(folder.with_name(folder.name + ".lock")):  # parallel workers: one of them bundles it
        if not out.exists():
            _build(sources, folder, out)
    return out


def _build(sources: list[Path], folder: Path, out: Path) -> None:
    """npm install, then esbuild into app.js (written aside, then renamed: it appears whole)."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in sources:
        shutil.copy(source, folder / source.name)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder, check=True,
                   timeout=600)
    subprocess.run([str(folder / "node_modules" / ".bin" / "esbuild"), "page.jsx", "--bundle", "--minify",
                    "--jsx=automatic", "--loader:.jsx=jsx", "--define:process.env.NODE_ENV=\"production\"",
                    "--outfile=app.js.tmp", "--log-level=warning"], cwd=folder, check=True, timeout=300)
    (folder / "app.js.tmp").rename(out)


def _open(browser: Any, server: ApiServer, bundle: Path, who: str, thread: str | None = None) -> Any:
    """The page at the API's origin (playwright answers /__page/ itself; everything else goes to the API)."""
    page = browser.new_page()
    html = '<!doctype html><meta charset="utf-8"><div id="root"></div><script src="/__page/app.js"></script>'
    script = bundle.read_text(encoding="utf-8")
    page.route(re.compile(r".*/__page/index\.html(\?.*)?$"),
               lambda route: route.fulfill(content_type="text/html", body=html))
    page.route(re.compile(r".*/__page/app\.js$"), lambda route: route.fulfill(content_type="text/javascript",
                                                                               body=script))
    query = f"?key={server.keys[who]}" + (f"&thread={thread}" if thread else "")
    page.goto(f"{server.base_url}/__page/index.html{query}")
    return page


def _send(page: Any, text: str, finished: int) -> None:
    page.fill("#input", text)
    page.click("#send")
    page.wait_for_selector(f'#state[data-finished="{finished}"]', timeout=TIMEOUT_MS)
    page.wait_for_selector("#state:text('idle')", timeout=TIMEOUT_MS)


def test_a_customer_and_a_reviewer_on_use_stream(own_server: ApiServer, bundle: Path, browser: Any) -> None:
    maya = _open(browser, own_server, bundle, "maya")
    _send(maya, "Where is my order 10003?", 1)
    assert maya.locator("#messages li").count() == 2, maya.inner_text("#messages")
    _send(maya, REFUND_TEXT, 2)  # a second message: its run carries the thread's latest checkpoint
    assert maya.locator("#error").count() == 0, maya.inner_text("#error")
    maya.wait_for_selector("#interrupt", timeout=TIMEOUT_MS)
    assert json.loads(maya.inner_text("#interrupt")) == AWAITING_REVIEW, "the customer sees the review's internals"
    assert maya.locator("#messages li.ai").count() == 2
    thread = maya.inner_text("#thread")

    sam = _open(browser, own_server, bundle, "sam", thread)
    sam.wait_for_selector("#interrupt", timeout=TIMEOUT_MS)
    request = json.loads(sam.inner_text("#interrupt"))
    assert [a["name"] for a in request["action_requests"]] == ["refund_order"], request
    sam.click("#approve")
    sam.wait_for_selector('#state[data-finished="1"]', timeout=TIMEOUT_MS)
    sam.wait_for_selector("#state:text('idle')", timeout=TIMEOUT_MS)
    assert sam.locator("#error").count() == 0, sam.inner_text("#error")
    assert sam.locator("#interrupt").count() == 0, "the thread still waits after the approval"

    maya.close()
    maya = _open(browser, own_server, bundle, "maya", thread)  # the customer comes back to its thread
    maya.wait_for_selector("#messages li.ai >> nth=2", timeout=TIMEOUT_MS)
    reply = maya.inner_text("#messages li.ai >> nth=2")
    assert "$349.99" in reply and "\\$" not in reply, reply
    assert maya.locator(".katex, .math").count() == 0, "an amount rendered as LaTeX"
    shown = maya.inner_text("main")
    assert "sam" not in shown.lower().split(), shown
    assert maya.locator("#interrupt").count() == 0
    for page in (maya, sam):
        page.close()
