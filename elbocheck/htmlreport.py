"""One self-contained HTML page of a verification run: the claim ledger (refuted claims first), the cross-check
table, the benchmark tables and plots, and the figures of the other commands, every image inlined as base64.

On load the page records in <body data-figures="..."> whether every image decoded, so that a headless browser
can confirm the page renders with all its figures.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from elbocheck.words import counted

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ddd; padding: 3px 6px; vertical-align: top; text-align: left; }
th { background: #f2f2f2; }
.refuted { background: #fff1f0; } .verified { background: #fffbe6; } .proved { background: #f6ffed; }
.fail { background: #fff1f0; font-weight: bold; } .pass { background: #f6ffed; }
.summary { font-size: 1.05em; } .small { color: #666; font-size: 0.85em; }
figure { display: inline-block; margin: 0.5em; vertical-align: top; } figcaption { font-size: 0.8em; color: #555; }
img { max-width: 560px; border: 1px solid #eee; }
"""

SELF_CHECK = """
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var decoded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-figures', decoded === images.length ? 'loaded' : 'missing');
  document.body.setAttribute('data-figure-count', String(decoded));
});
"""


def escape(text) -> str:
    return html.escape("" if text is None else str(text))


def image(png: bytes, caption: str, full_size: str | None = None) -> str:
    """A figure inlined as base64, shown at most 560 px wide; `full_size` (a path relative to the page) makes
    the image and a caption link open the file at its own size."""
    encoded = base64.b64encode(png).decode("ascii")
    img = f'<img alt="{escape(caption)}" src="data:image/png;base64,{encoded}">'
    if full_size is None:
        return f"<figure>{img}<figcaption>{escape(caption)}</figcaption></figure>"
    link = escape(full_size)
    return (f'<figure><a href="{link}" title="full size">{img}</a>'
            f'<figcaption>{escape(caption)} (<a href="{link}">full size</a>)</figcaption></figure>')


def copy_figures(paths: list[Path], folder: Path) -> list[str]:
    """Copy each figure into `folder` as PARENT-NAME.png (written atomically); the links to them relative to
    the folder above `folder`, the page's."""
    from elbocheck._io import atomic_write_bytes

    links = []
    for path in paths:
        name = f"{path.parent.name}-{path.name}"
        atomic_write_bytes(folder / name, path.read_bytes())
        links.append(f"{folder.name}/{name}")
    return links


def table(headers: list[str], rows: list[list[str]], row_classes: list[str] | None = None) -> str:
    """An HTML table from already-escaped cells."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = []
    for index, row in enumerate(rows):
        css = f' class="{row_classes[index]}"' if row_classes else ""
        body.append(f"<tr{css}>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def markdown_table(markdown: str) -> str:
    """A pipe table of Markdown (as elbocheck.benchreport writes it) as an HTML table."""
    lines = [line.strip() for line in markdown.strip().splitlines() if line.strip().startswith("|")]
    cells = [[escape(cell.strip()) for cell in line.strip("|").split("|")] for line in lines]
    return table(cells[0], cells[2:])


def ledger_section(results) -> str:
    """The ledger: counts, then refuted claims with counterexample and correction, then all the others."""
    from collections import Counter

    counts = Counter(result.verdict.value for result in results)
    summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("proved", "verified", "refuted"))
    refuted = [r for r in results if r.verdict.value == "refuted"]
    others = [r for r in results if r.verdict.value != "refuted"]
    refuted_rows = [[escape(r.claim.id), escape(f"{r.claim.source} {r.claim.where}"), escape(r.claim.statement),
                     escape(r.decision.counterexample), escape(r.claim.corrected), escape(r.claim.note)]
                    for r in refuted]
    other_rows = [[escape(r.claim.id), escape(f"{r.claim.source} {r.claim.where}"), escape(r.claim.statement),
                   escape(r.verdict.value), escape(r.method), f"{r.seconds:.2f}"] for r in others]
    return (
        f'<h2>Claim ledger</h2><p class="summary">{counted(len(results), "claim")}: {summary}.</p>'
        f"<h3>Refuted claims</h3>"
        + table(["id", "where", "as printed", "counterexample", "corrected", "note"], refuted_rows,
                ["refuted"] * len(refuted_rows))
        + "<h3>Proved and verified claims</h3>"
        + table(["id", "where", "statement", "verdict", "method", "seconds"], other_rows,
                [r.verdict.value for r in others])
    )


def crosscheck_section(reports, device: str, dtype: str, trials: int) -> str:
    rows = [[escape(r.pair), str(r.inputs), f"{r.max_error:.3e}", f"{r.rtol:.0e}", "pass" if r.passed else "FAIL",
             f"{r.seconds:.2f}"] for r in reports]
    passed = sum(r.passed for r in reports)
    failures = "".join(
        f"<p class='fail'>{escape(r.pair)}: {escape(r.error or '')} smallest failing input: size "
        f"{r.smallest_failure.size} ({escape(r.smallest_failure.label)}), numpy seed {r.smallest_failure.seed}</p>"
        if r.smallest_failure else f"<p class='fail'>{escape(r.pair)}: {escape(r.error)}</p>"
        for r in reports if not r.passed)
    return (
        f"<h2>Cross-check: fast against reference</h2><p class='summary'>{passed} of {len(reports)} pairs pass "
        f"on {escape(device)}, fast in {dtype}, {trials} inputs per size.</p>"
        + table(["pair", "inputs", "max relative error", "rtol", "result", "seconds"], rows,
                ["pass" if r.passed else "fail" for r in reports])
        + failures
    )


def bench_section(bench_out: Path, link_folder: str | None = None) -> str:
    """The sections of out/bench/report.md (the run just made), each table with its plot (linked to the file in
    `link_folder`, relative to the page, when given)."""
    parts = ["<h2>Benchmarks</h2>"]
    report = bench_out / "report.md"
    if not report.exists():
        return parts[0] + "<p class='fail'>the benchmark suites wrote no report</p>"
    text = report.read_text(encoding="utf-8")
    head, *sections = text.split("\n## ")
    parts += [f"<p class='small'>{escape(line[2:])}</p>" for line in head.splitlines() if line.startswith("- ")]
    for section in sections:
        title = section.splitlines()[0].strip()
        parts.append(f"<h3>{escape(title)}</h3>" + markdown_table(section))
        plot = re.search(r"!\[[^]]*\]\(([^)]+\.png)\)", section)
        if plot and (bench_out / plot.group(1)).exists():
            full_size = f"{link_folder}/{plot.group(1)}" if link_folder else None
            parts.append(image((bench_out / plot.group(1)).read_bytes(), f"{title}: time against size", full_size))
    return "".join(parts)


def figures_section(paths: list[Path], links: list[str] | None = None) -> str:
    """The figures of the other commands, each linked to its full-size copy in `links` when given."""
    if not paths:
        return ("<h2>Figures of the other commands</h2><p class='small'>none found: run elbocheck em, vae, "
                "gan-demo, ring or residual first, or pass --figures DIR</p>")
    return "<h2>Figures of the other commands</h2>" + "".join(
        image(path.read_bytes(), f"{path.parent.name}/{path.name}", link)
        for path, link in zip(paths, links or [None] * len(paths)))


def page(title: str, header_lines: list[str], sections: list[str]) -> str:
    header = "".join(f"<p class='small'>{escape(line)}</p>" for line in header_lines)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{STYLE}</style><script>{SELF_CHECK}</script></head><body data-figures='pending'>"
            f"<h1>{escape(title)}</h1>{header}{''.join(sections)}</body></html>")
