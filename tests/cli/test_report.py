"""`elbocheck report` writes one self-contained page that renders in headless Chromium with every figure."""

import re
import shutil
import subprocess

import pytest

from elbocheck import htmlreport
from elbocheck._io import atomic_save_figure, pyplot
from elbocheck.cli import main
from elbocheck.pairs import all_pairs

BROWSER = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)),
               None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]


def test_markdown_tables_become_html_tables():
    markdown = "| case | fast |\n|---|---:|\n| n=1 | 2 ms |\n| n=<2> | 3 ms |\n"
    rendered = htmlreport.markdown_table(markdown)
    assert rendered.count("<tr") == 3 and "<th>fast</th>" in rendered and "n=&lt;2&gt;" in rendered


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    figures = tmp_path_factory.mktemp("figures")
    plt = pyplot()
    figure, axes = plt.subplots()
    axes.plot([0, 1, 2], [2, 0, 1])
    atomic_save_figure(figures / "curve.png", figure)
    out = tmp_path_factory.mktemp("report")
    code = main(["report", "--only", "004", "--suite", "ceilings", "--figures", str(figures), "--trials", "1",
                 "--device", "cpu", "--out", str(out)])
    return code, out


def test_report_contents(report):
    code, out = report
    assert code == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.index("Refuted claims") < page.index("Proved and verified claims") < page.index("Cross-check")
    assert "004-1b" in page and "counterexample" in page
    assert len(re.findall(r"<td>pass</td>|<td>FAIL</td>", page)) == len(all_pairs())
    assert "Device ceilings" in page and "matmul float64" in page
    assert "elbocheck bench --quick --device cpu --suite ceilings" in page  # the command that reproduces it
    assert page.count("data:image/png;base64,") >= 1
    assert not re.search(r"""<img[^>]+src=["'](?!data:)""", page), "every image must be inlined"


@pytest.mark.skipif(BROWSER is None, reason="no Chromium on this machine (apt-get install chromium)")
def test_report_renders_in_headless_chromium(report, tmp_path):
    _, out = report
    url = (out / "index.html").resolve().as_uri()
    dom = subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={tmp_path / 'profile-dom'}", "--virtual-time-budget=10000",
                          "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    images = (out / "index.html").read_text(encoding="utf-8").count("<img")
    assert 'data-figures="loaded"' in dom
    assert f'data-figure-count="{images}"' in dom

    shot = tmp_path / "shot.png"
    subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={tmp_path / 'profile-shot'}", "--window-size=1280,2400",
                    f"--screenshot={shot}", url], capture_output=True, timeout=120)
    pixels = pyplot().imread(shot)[..., :3]
    not_white = (pixels < 0.95).any(axis=-1).mean()
    assert pixels.std() > 0.05 and not_white > 0.02, "the screenshot is blank"
