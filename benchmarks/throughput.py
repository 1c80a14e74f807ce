"""Throughput, character error rate per degradation profile and peak memory of the
station, side by side with OCRmyPDF on the same generated pages, in one run.

    python -m benchmarks.throughput [--docs N] [--skip-ocrmypdf] [--long-tiff PAGES]
        [--no-sign] [--baseline CHECKOUT] [--real DIR]

The station signs every PDF/A, as in service (a development certificate in a
throw-away data folder). `--baseline` also runs another checkout of the station (a
`git worktree` of an older commit) on the same pages in the same run, so a change is
judged by a ratio, not against figures taken on a differently loaded machine.
`--real` adds the station's speed on a folder of real scans (`files/` inside it).

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


def station_cmd(inputs: list[Path], out: Path, sign: bool = True) -> list[str]:
    # `-m cli.main` rather than the `station` script: run from a baseline checkout, the
    # checkout's own code is imported (the working directory comes first on the path).
    return [sys.executable, "-m", "cli.main", "process", *map(str, inputs), "--out", str(out)] + (
        [] if sign else ["--no-sign"]
    )


def run_station(
    inputs: list[Path], out: Path, pages: int, sign: bool, checkout: Path = ROOT, check: bool = True
) -> dict:
    env = dict(os.environ, STATION_DATA_DIR=str(out.parent / f"data-{out.name}"))
    run = run_measured(station_cmd(inputs, out, sign), env=env, cwd=checkout)
    # Real folders may hold a file the station refuses (and says why): that is no failure of the run.
    assert run.returncode == 0 or not check, run.stderr
    return {
        "seconds": run.seconds,
        "pages_per_minute": pages / run.seconds * 60,
        "peak_rss_mb": run.peak_rss_mb,
        "core_seconds_by_stage": stage_profile(out),
    }


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
    ap.add_argument("--no-sign", action="store_true", help="leave the PDF/As unsigned")
    ap.add_argument("--baseline", type=Path, help="another checkout of the station, run on the same pages")
    ap.add_argument("--real", type=Path, help="a folder of real documents (files/ inside it) to time as well")
    a = ap.parse_args()
    sign = not a.no_sign
    work = Path(tempfile.mkdtemp(prefix="station-bench-"))
    try:
        samples = generate(work / "in", a.docs, list(PROFILES), seed=a.seed)
        scans = [s.path for s in samples]
        pages = sum(len(s.pages) for s in samples)
        results: dict = {"docs": len(scans), "pages": pages, "cores": os.cpu_count(), "signed": sign}

        results["station"] = run_station(scans, work / "station", pages, sign)
        results["station"]["cer"] = cer_by_profile(scans, lambda s, n: station_texts(work / "station", s))
        save(results)
        if a.baseline:
            results["baseline"] = run_station(scans, work / "baseline", pages, sign, a.baseline.resolve())
            results["baseline"]["cer"] = cer_by_profile(scans, lambda s, n: station_texts(work / "baseline", s))
            results["baseline"]["checkout"] = str(a.baseline)
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
        if a.real:
            files = sorted(p.resolve() for p in (a.real / "files").iterdir() if p.is_file())
            real_pages = sum(_page_count(p) for p in files)
            results["real"] = {"docs": len(files), "pages": real_pages}
            results["real"] |= run_station(files, work / "real", real_pages, sign, check=False)
            save(results)
        if a.long_tiff:
            tif = long_tiff(work / "long.tif", a.long_tiff)
            results["long_tiff"] = run_station([tif], work / "long", a.long_tiff, sign) | {
                "pages": a.long_tiff,
                "input_mb": tif.stat().st_size / 2**20,
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


def _page_count(path: Path) -> int:
    from ocr import count_pages

    try:
        return count_pages(path)
    except Exception:  # noqa: BLE001 - a file the station refuses has no pages to count
        return 0


def report(r: dict) -> str:
    tools = [t for t in ("station", "baseline", "ocrmypdf") if t in r]
    lines = [
        f"{r['docs']} documents, {r['pages']} pages, {r['cores']} cores, "
        + ("signed" if r.get("signed", True) else "unsigned"),
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
    for t in ("baseline", "ocrmypdf"):
        if t in r:
            lines.append(f"\nstation / {t}: {r['station']['pages_per_minute'] / r[t]['pages_per_minute']:.2f}×")
    for t in ("station", "baseline"):
        profile = r.get(t, {}).get("core_seconds_by_stage")
        if profile:
            lines += ["", f"| {t} stage | core-seconds per page | share |", "|---|---|---|"]
            whole = sum(profile.values())
            for k, v in profile.items():
                lines.append(f"| {k} | {v / r['pages']:.3f} | {100 * v / whole:.0f}% |")
            lines.append(f"| all counted | {whole / r['pages']:.3f} | |")
    if "real" in r:
        rr = r["real"]
        lines.append(
            f"\nreal documents: {rr['docs']} files, {rr['pages']} pages in {rr['seconds']:.0f} s: "
            f"{rr['pages_per_minute']:.1f} pages/minute"
        )
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
