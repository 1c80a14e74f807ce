"""Throughput, character error rate per degradation profile and peak memory of the
station, side by side with OCRmyPDF on the same generated pages, in one run.

    python -m benchmarks.throughput [--docs N] [--skip-ocrmypdf] [--long-tiff PAGES]

Writes a Markdown table to stdout and JSON to benchmarks/results/."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from tests.synthetic import PROFILES, generate, load_truth
from tests.synthetic.metrics import char_errors

from .measure import run_measured

ROOT = Path(__file__).resolve().parent.parent


def station_cmd(inputs: list[Path], out: Path) -> list[str]:
    exe = Path(sys.executable).parent / "station"
    return [str(exe), "process", *map(str, inputs), "--out", str(out), "--no-sign"]


def ocrmypdf_script(inputs: list[Path], out: Path) -> list[str]:
    # OCRmyPDF takes one file per call; a shell loop keeps the whole batch one measured
    # process tree. Its parallelism is across the pages of a file (--jobs).
    exe = Path(sys.executable).parent / "ocrmypdf"
    lines = [
        f'"{exe}" -q --deskew --rotate-pages -l vie --output-type pdfa --jobs {os.cpu_count()} '
        f'"{p}" "{out / (p.stem + ".pdf")}" || echo "failed: {p.name}" >&2'
        for p in inputs
    ]
    return ["bash", "-c", "\n".join(lines)]


def station_texts(out: Path, scan: Path) -> list[str]:
    rec = json.loads((out / f"{scan.stem}.json").read_text())
    return [p["text"] for p in rec["documents"][0]["pages"]] if rec["status"] == "ok" else []


def pdf_texts(pdf: Path, pages: int) -> list[str]:
    if not pdf.exists():
        return []
    return [
        subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True, text=True).stdout
        for i in range(1, pages + 1)
    ]


def cer_by_profile(scans: list[Path], texts_of) -> dict[str, float]:
    errs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for scan in scans:
        truth = load_truth(scan)
        texts = texts_of(scan, len(truth["pages"]))
        for i, lines in enumerate(truth["pages"]):
            e, t = char_errors(lines, texts[i] if i < len(texts) else "")
            errs[truth["profile"]][0] += e
            errs[truth["profile"]][1] += t
    out = {p: e / t for p, (e, t) in errs.items()}
    out["ALL"] = sum(e for e, _ in errs.values()) / sum(t for _, t in errs.values())
    return out


def stage_profile(out: Path) -> dict[str, float]:
    """Core-seconds by stage (ocr.timing), summed over the files' records."""
    total: dict[str, float] = {}
    for f in out.glob("*.json"):
        for k, v in json.loads(f.read_text()).get("core_seconds", {}).items():
            total[k] = total.get(k, 0.0) + v
    return dict(sorted(total.items(), key=lambda kv: -kv[1]))


def long_tiff(path: Path, pages: int) -> Path:
    """A multi-page greyscale LZW TIFF, as archives scan bound files."""
    import random

    from tests.synthetic.content import random_document
    from tests.synthetic.degrade import PROFILES as P
    from tests.synthetic.degrade import degrade
    from tests.synthetic.render import render_document

    rng = random.Random(5)
    renders = [pg for _ in range(4) for pg in render_document(random_document(rng))]
    images = [degrade(renders[i % len(renders)], P["grey"], rng)[0] for i in range(min(pages, 12))]
    first = images[0]
    # Pillow writes frames as it goes when given an iterator of images.
    first.save(
        path,
        "TIFF",
        compression="tiff_lzw",
        dpi=(300, 300),
        save_all=True,
        append_images=(images[i % len(images)] for i in range(1, pages)),
    )
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=2, help="documents per profile")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--skip-ocrmypdf", action="store_true")
    ap.add_argument("--long-tiff", type=int, default=100, help="pages of the memory test TIFF (0: skip)")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="station-bench-"))
    try:
        samples = generate(work / "in", a.docs, list(PROFILES), seed=a.seed)
        scans = [s.path for s in samples]
        pages = sum(len(s.pages) for s in samples)
        results: dict = {"docs": len(scans), "pages": pages, "cores": os.cpu_count()}

        run = run_measured(station_cmd(scans, work / "station"))
        assert run.returncode == 0, run.stderr
        results["station"] = {
            "seconds": run.seconds,
            "pages_per_minute": pages / run.seconds * 60,
            "peak_rss_mb": run.peak_rss_mb,
            "cer": cer_by_profile(scans, lambda s, n: station_texts(work / "station", s)),
            "core_seconds_by_stage": stage_profile(work / "station"),
        }
        save(results)
        if not a.skip_ocrmypdf and shutil.which(str(Path(sys.executable).parent / "ocrmypdf")):
            (work / "ocrmypdf").mkdir()
            run = run_measured(ocrmypdf_script(scans, work / "ocrmypdf"))
            results["ocrmypdf"] = {
                "seconds": run.seconds,
                "pages_per_minute": pages / run.seconds * 60,
                "peak_rss_mb": run.peak_rss_mb,
                "failures": run.stderr.count("failed:"),
                "cer": cer_by_profile(scans, lambda s, n: pdf_texts(work / "ocrmypdf" / f"{s.stem}.pdf", n)),
            }
            save(results)
        if a.long_tiff:
            tif = long_tiff(work / "long.tif", a.long_tiff)
            run = run_measured(station_cmd([tif], work / "long"))
            assert run.returncode == 0, run.stderr
            results["long_tiff"] = {
                "pages": a.long_tiff,
                "input_mb": tif.stat().st_size / 2**20,
                "seconds": run.seconds,
                "pages_per_minute": a.long_tiff / run.seconds * 60,
                "peak_rss_mb": run.peak_rss_mb,
                "output_mb": (work / "long" / "long.pdf").stat().st_size / 2**20,
            }
        save(results)
        print(report(results))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def save(results: dict) -> None:
    """After every stage, so a long run that fails late keeps what it measured."""
    res_dir = ROOT / "benchmarks" / "results"
    res_dir.mkdir(exist_ok=True)
    (res_dir / "throughput.json").write_text(json.dumps(results, indent=2))


def report(r: dict) -> str:
    tools = [t for t in ("station", "ocrmypdf") if t in r]
    lines = [
        f"{r['docs']} documents, {r['pages']} pages, {r['cores']} cores",
        "",
        "| | " + " | ".join(tools) + " |",
        "|---|" + "---|" * len(tools),
    ]
    lines.append("| pages/minute | " + " | ".join(f"{r[t]['pages_per_minute']:.1f}" for t in tools) + " |")
    lines.append("| wall seconds | " + " | ".join(f"{r[t]['seconds']:.1f}" for t in tools) + " |")
    lines.append("| peak memory MB | " + " | ".join(f"{r[t]['peak_rss_mb']:.0f}" for t in tools) + " |")
    for prof in list(r["station"]["cer"]):
        lines.append(
            f"| CER {prof} | " + " | ".join(f"{100 * r[t]['cer'].get(prof, float('nan')):.2f}%" for t in tools) + " |"
        )
    profile = r["station"].get("core_seconds_by_stage")
    if profile:
        lines += ["", "| station stage | core-seconds per page | share |", "|---|---|---|"]
        whole = sum(profile.values())
        for k, v in profile.items():
            lines.append(f"| {k} | {v / r['pages']:.3f} | {100 * v / whole:.0f}% |")
        lines.append(f"| all counted | {whole / r['pages']:.3f} | |")
    if "long_tiff" in r:
        lt = r["long_tiff"]
        lines += [
            "",
            f"{lt['pages']}-page greyscale TIFF ({lt['input_mb']:.0f} MB): {lt['seconds']:.0f} s, "
            f"{lt['pages_per_minute']:.1f} pages/minute, peak memory {lt['peak_rss_mb']:.0f} MB, "
            f"PDF/A {lt['output_mb']:.0f} MB",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
