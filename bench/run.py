"""`make bench`: run the benchmarks and write docs/PERFORMANCE.md.

Each `bench/bench_<name>.py` has `TITLE` (the issue it measures) and
`run(scale, rec)`, recording figures with `rec.figure(...)`. Sections of modules not
run this time are kept from the previous file, so `--only NAME` updates one section.

    python -m bench.run                 # everything at DKI scale (11,038,216 residents)
    python -m bench.run --only register --scale 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import re
import traceback
from dataclasses import dataclass, field

from bench.common import DKI_RESIDENTS, ROOT, machine_lock

DOC = ROOT / "docs" / "PERFORMANCE.md"
SECTION_RE = re.compile(r"^<!-- bench:(\w+) -->\n(.*?)^<!-- /bench:\1 -->\n", re.S | re.M)


@dataclass
class Recorder:
    name: str
    title: str
    scale: int
    rows: list[tuple] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def figure(self, what: str, value: float, unit: str, target: str = "", ok: bool | None = None) -> None:
        self.rows.append((what, value, unit, target, ok))
        mark = "" if ok is None else (" ✅" if ok else " ❌")
        print(f"  {what}: {value:,.3f} {unit} (target {target or '-'}){mark}", flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def markdown(self) -> str:
        lines = [f"## {self.title}", "", f"Run {dt.datetime.now():%Y-%m-%d %H:%M}, scale {self.scale:,} residents.", "",
                 "| figure | measured | target | met |", "| --- | --- | --- | --- |"]
        for what, value, unit, target, ok in self.rows:
            shown = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
            met = "" if ok is None else ("yes" if ok else "**no**")
            lines.append(f"| {what} | {shown} {unit} | {target} | {met} |")
        if self.notes:
            lines += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def machine() -> str:
    mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    return (f"{os.cpu_count()} cores ({cpu}), {mem_kb / 1024 / 1024:.1f} GiB memory, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def modules() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in (ROOT / "bench").glob("bench_*.py"))


def write(sections: dict[str, str]) -> None:
    old = DOC.read_text() if DOC.exists() else ""
    kept = {m.group(1): m.group(2) for m in SECTION_RE.finditer(old)}
    kept.update(sections)
    header = (
        "# Performance\n\n"
        "Written by `make bench` (`python -m bench.run`). Medians and ratios from one run on a shared,\n"
        "noisy machine; each section says when it was run. Timed by the benchmarks, never by tests.\n"
        "On this virtual machine, memory touched for the first time since boot is slow (measured: 8.4 s to\n"
        "touch 4 GB the first time, 0.5-1.1 s the next times), so runs soon after a boot are slower.\n\n"
        f"Machine at the last run: {machine()}.\n\n"
    )
    body = "".join(f"<!-- bench:{name} -->\n{kept[name]}<!-- /bench:{name} -->\n\n" for name in sorted(kept))
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(header + body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=modules(), help="run only these modules")
    parser.add_argument("--scale", type=int, default=DKI_RESIDENTS, help="residents (default: DKI, 11,038,216)")
    args = parser.parse_args()
    sections, failed = {}, []
    with machine_lock():
        for name in args.only or modules():
            module = importlib.import_module(f"bench.bench_{name}")
            rec = Recorder(name, module.TITLE, args.scale)
            print(f"== {name}: {module.TITLE}", flush=True)
            try:
                module.run(args.scale, rec)
            except Exception:
                traceback.print_exc()
                rec.note("the benchmark failed: " + traceback.format_exc(limit=1).strip().splitlines()[-1])
                failed.append(name)
            sections[name] = rec.markdown()
            write(sections)  # after each module, so a crash later keeps what was measured
    if failed:
        raise SystemExit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
