"""The `kit` command: thin verbs that parse options and call one public function each.

Exit status: 0 success; 1 a batch finished with failures; 2 invalid input or usage.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kit.errors import InvalidFile, KitError
from kit.paths import data_dir, sample_cohort_dir

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the kit's own errors into one `Error: …` line and exit status 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InvalidFile as exc:
            for problem in exc.problems:
                click.echo(f"Error: {problem}", err=True)
            sys.exit(2)
        except KitError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)

    return wrapper




def _default_store() -> str:
    """Where the store is when neither --db nor $KIT_DB_URL says (for --help, so never an error)."""
    try:
        return str(data_dir() / "kit.db")
    except KitError:  # a bad KIT_* value: the command itself says so
        return "kit-data/kit.db"


db_option = click.option("--db", default=None, metavar="URL",
                         help=f"SQLAlchemy URL of the answer store [default: $KIT_DB_URL, else {_default_store()}].")
cohort_option = click.option(
    "--cohort", type=click.Path(path_type=Path), default=None, envvar="KIT_COHORT", show_envvar=True,
    help="Folder of district .yaml files [default: the sample cohort].",
)


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="district-scale-kit")
def main() -> None:
    """Facilitation kit for district convenings on scaling instructional improvement.

    Start with `kit validate` and `kit serve`; `make demo` does both on the sample cohort.
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help="Print problems only, no summary.")
def validate(paths: tuple[Path, ...], quiet: bool) -> None:
    """Check module and district files, or folders of them.

    Each problem prints as `path:line: field: what is wrong — how to fix it`.
    Exit status 2 if any file has a problem.

    Example: kit validate modules sample_districts
    """
    from kit.paths import modules_dir
    from kit.validation import validate as run

    report = run(list(paths) or [modules_dir(), sample_cohort_dir()])
    for problem in report.problems:
        click.echo(str(problem), err=True)
    if not quiet:
        click.echo(report.summary())
    sys.exit(0 if report.ok else 2)


@main.command()
@click.argument("what", type=click.Choice(["district", "module"]))
def schema(what: str) -> None:
    """Print the JSON Schema of a district or module file.

    Example: kit schema district > district.schema.json
    """
    import json

    if what == "district":
        from kit.districts import json_schema

        click.echo(json_schema())
    else:
        from kit.content import Module

        click.echo(json.dumps(Module.model_json_schema(), indent=2))


@main.command()
@cohort_option
@friendly
def cohort(cohort: Path | None) -> None:
    """List the districts of a cohort, with team size and focus.

    Example: kit cohort --cohort sample_districts
    """
    from kit.districts import load_cohort

    districts, problems = load_cohort(cohort or sample_cohort_dir())
    width = max((len(d.id) for d in districts), default=10)
    for d in districts:
        click.echo(f"{d.id:<{width}}  {d.name}  ·  {d.collaboration_label}  ·  team of {len(d.team)}")
    for problem in problems:
        click.echo(f"Error: {problem}", err=True)
    if problems:
        sys.exit(2)


@main.command()
@cohort_option
@click.option("--port", default=8866, show_default=True, help="Port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets laptops in the room connect.")
@db_option
@click.option("--cull-minutes", default=30, show_default=True, help="Stop a page's kernel after this long idle.")
@click.option("--pool", type=click.IntRange(min=0), default=None,
              help="Workspace kernels kept ready so team pages open at once [default: one per team, at most 8;"
                   " 0: start one per page].")
@click.option("--base-url", default="/", show_default=True, metavar="PATH",
              help="URL path to serve under, e.g. /services/kit/ when JupyterHub proxies the worksheets.")
@click.option("--new-store", is_flag=True,
              help="Start a fresh store where an empty or missing one had team links (every link changes).")
@friendly
def serve(cohort: Path | None, port: int, host: str, db: str | None, cull_minutes: int, pool: int | None,
          base_url: str, new_store: bool) -> None:
    """Serve the worksheets with Voila for a cohort; answers save to the store as teams type.

    Behind JupyterHub (deploy/jupyterhub_config.py runs it as a hub service) give --base-url the
    service's path; $KIT_LINKS_BASE_URL, when set, is the public address printed with the links.

    It refuses a damaged store (PRAGMA quick_check) and an empty or missing one that had team
    links, naming the way out: `kit restore BACKUP`, or --new-store for a fresh store on purpose.

    Example: kit serve --cohort sample_districts --port 8866
    """
    from kit.serve import serve as run

    run(cohort or sample_cohort_dir(), port=port, host=host, db=db, cull_minutes=cull_minutes, pool=pool,
        base_url=base_url, new_store=new_store)


@main.command()
@cohort_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("packets"), show_default=True,
              help="Folder to write packets/<district>/index.html and packets/index.html into.")
@click.option("--convening", default="", help="Which convening's answers to include [default: the latest].")
@click.option("--modules", "module_list", default=None, help="Comma-separated modules, e.g. 02,03 [default: all].")
@click.option("--jobs", "-j", type=click.IntRange(1, 32), default=None,
              help="Parallel workers, one warm kernel each [default: cores, at most 4].")
@db_option
@click.option("--pdf", is_flag=True, help="Also print each packet to PDF with chromium.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where the notebooks run: kernels on this machine, or Dask workers.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler to use with --executor dask, e.g. tcp://10.0.0.5:8786"
                   " [default: a local cluster of --jobs workers].")
@friendly
def packets(cohort: Path | None, out: Path, convening: str, module_list: str | None, jobs: int | None,
            db: str | None, pdf: bool, executor: str, scheduler: str | None) -> None:
    """Write one offline HTML packet per district of a cohort, and an index page.

    Districts that fail are reported at the end; the others are still written.
    Exit status 1 if any district failed. With --executor dask the districts are rendered on
    Dask workers, which need the kit, the cohort and a database they can reach (PostgreSQL
    when they are other machines); the packets are still written here.

    Example: kit packets --cohort sample_districts --out packets --modules 02,03
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kit.packets import build_packets, default_jobs, parse_modules

    modules = parse_modules(module_list)
    cohort = cohort or sample_cohort_dir()
    with Progress(TextColumn("[bold]packets"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), transient=False) as bar:
        task = bar.add_task("starting kernels…", total=None)

        def tick(outcome, done, total):  # type: ignore[no-untyped-def]
            mark = "✓" if outcome.ok else "✗"
            bar.update(task, completed=done, total=total, description=f"{mark} {outcome.district_id}")

        result = build_packets(cohort, out, convening=convening, modules=modules,
                               jobs=jobs or default_jobs(), db=db, pdf=pdf, progress=tick, executor=executor,
                               scheduler=scheduler)
    ok = [o for o in result.outcomes if o.ok]
    per = result.seconds / max(len(result.outcomes), 1)
    click.echo(f"Wrote {len(ok)} of {len(result.outcomes)} packets to {out}/ in {result.seconds:.1f} s"
               f" ({per:.2f} s per district)" + (f"; index: {result.index}" if result.index else ""))
    for failure in result.failed:
        click.echo(f"Error: {failure.district_id}: {failure.error}", err=True)
    sys.exit(1 if result.failed else 0)


@main.command()
@click.argument("module", required=False)
@friendly
def guide(module: str | None) -> None:
    """Print a module's facilitator guide in the terminal (or the index without MODULE).

    Example: kit guide 03
    """
    from rich.console import Console
    from rich.markdown import Markdown

    from kit.content import get_module
    from kit.paths import guides_dir

    path = guides_dir() / (f"{get_module(module).id}.md" if module else "README.md")
    if not path.is_file():
        raise KitError(f"no guide at {path} — the facilitator_guides folder is incomplete")
    Console().print(Markdown(path.read_text(encoding="utf-8")))


@main.command()
@click.option("--start", "start", required=True, type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]),
              help="When the convening starts, e.g. 2027-01-14T08:30.")
@click.option("--modules", "module_list", default=None,
              help="Comma-separated modules, in order [default: the first convening's, from modules/agenda.yaml].")
@click.option("--day-end", default="16:00", show_default=True, help="When day 1 ends.")
@click.option("--last-day-end", default="12:30", show_default=True,
              help="When day 2 ends: 12:30 for a 1.5-day event, 16:00 for a two-day convening.")
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True)
@friendly
def agenda(start, module_list: str | None, day_end: str, last_day_end: str, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """Print a timed agenda for a 1.5-day (or two-day) convening, computed from the module durations.

    Example: kit agenda --start 2027-01-14T08:30 --modules 00,01,02,03 --format md
    """
    from datetime import time as clock

    from kit.agenda import agenda as plan
    from kit.agenda import as_html, as_markdown, convening_modules
    from kit.packets import parse_modules

    ends = []
    for option, value in (("--day-end", day_end), ("--last-day-end", last_day_end)):
        try:
            hours, minutes = (int(x) for x in value.split(":"))
            ends.append(clock(hours, minutes))
        except ValueError:
            raise KitError(f"{option} {value!r} is not a time like 16:00") from None
    blocks = plan(parse_modules(module_list or convening_modules(1)), start, day_end=ends[0], last_day_end=ends[1])
    click.echo(as_markdown(blocks) if fmt == "md" else as_html(blocks))


@main.command()
@cohort_option
@click.option("--district", "district_id", required=True, help="District id, e.g. windy-city.")
@click.option("--convening", default="", help="Which convening [default: the cohort's latest].")
@db_option
@friendly
def diagnose(cohort: Path | None, district_id: str, convening: str, db: str | None) -> None:
    """Print the risks to scale the kit sees in a district's answers and profile, with their sources.

    Example: kit diagnose --district windy-city --convening 1
    """
    from kit.diagnostics import diagnose as run
    from kit.districts import find_district
    from kit.report import plural
    from kit.sources import brief_of, briefs
    from kit.store import Store

    cohort = cohort or sample_cohort_dir()
    district = find_district(cohort, district_id)
    store = Store.if_exists(db)
    convening = convening or (store.current_convening(cohort.name) if store else "1")
    flags = run(store, district, convening, cohort=cohort.name)
    click.echo(f"{district.name}, convening {convening}: {plural(len(flags), 'flag')}")
    for flag in flags:
        rule = flag.rule
        brief = briefs().get(brief_of(rule.source))
        click.echo(f"\n[{rule.severity.upper()}] {rule.id}\n  {rule.message}\n  Next: {rule.next_step}\n"
                   f"  Source: {rule.source}" + (f" ({brief.title}, {brief.year})" if brief else ""))


@main.command()
@cohort_option
@click.option("--base-url", default="http://localhost:8866", show_default=True,
              envvar="KIT_LINKS_BASE_URL", show_envvar=True,
              help="Where teams reach `kit serve`: this laptop's address on the room's network, or behind"
                   " JupyterHub the hub's address and the service path, e.g. https://hub.example.org/services/kit.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Also write the links as CSV.")
@click.option("--rotate", is_flag=False, flag_value="all", default=None, metavar="[DISTRICT]",
              help="Make new tokens: alone, for every link; with a district id (or program-manager), for that"
                   " link only. The old links stop working within seconds, also on a running kit serve.")
@db_option
@friendly
def links(cohort: Path | None, base_url: str, out: Path | None, rotate: str | None, db: str | None) -> None:
    """Print each district team's link (it carries a secret token) and the program manager's.

    A team's link opens only its own district's worksheets; the program manager's opens the
    cohort page, the dashboard and every worksheet. Mail each team its own link.

    Example: kit links --cohort sample_districts --base-url http://192.168.1.20:8866 --out links.csv

    Example: kit links --rotate windy-city   (a new link for Windy City's team; the others stay)
    """
    import os

    from kit.atomic import write_atomic
    from kit.links import as_csv, as_lines, make_links
    from kit.store import Store

    renew: bool | list[str] = rotate == "all" or ([rotate] if rotate else False)
    found = make_links(cohort or sample_cohort_dir(), base_url, Store(db), rotate=renew)
    # Plain lines, a link alone on its own line: a terminal of any width shows it whole (a table cut
    # every link with "…" on a narrow one) and a triple click copies exactly the link.
    click.echo(as_lines(found))
    if out is not None:
        write_atomic(out, as_csv(found))
        os.chmod(out, 0o600)  # the file holds the secrets
        click.echo(f"Wrote {len(found)} links to {out}")


@main.group()
def convening() -> None:
    """Add and list a cohort's convenings (answers belong to a convening).

    Example: kit convening add --cohort sample_districts --date 2027-01-14 --title "Spreading the work"
    """


@convening.command("add")
@cohort_option
@click.option("--date", "when", required=True, type=click.DateTime(["%Y-%m-%d"]), help="e.g. 2027-01-14")
@click.option("--title", default="", help="What the convening is about.")
@click.option("--number", type=int, default=None, help="Its number [default: the next one].")
@db_option
@friendly
def convening_add(cohort: Path | None, when: Any, title: str, number: int | None, db: str | None) -> None:
    """Record a convening; worksheets opened from the cohort page are then for it.

    Example: kit convening add --cohort sample_districts --date 2027-01-14 --title "Spreading the work"
    """
    from kit.store import Store

    cohort = cohort or sample_cohort_dir()
    if not cohort.is_dir():
        raise KitError(f"{cohort}: no such cohort folder")
    added = Store(db).add_convening(cohort.name, number, when.date(), title)
    click.echo(f"Added {added.label()} ({title or 'no title'}) to cohort {cohort.name}")


@convening.command("list")
@cohort_option
@db_option
@friendly
def convening_list(cohort: Path | None, db: str | None) -> None:
    """List a cohort's convenings, first to last.

    Example: kit convening list --cohort sample_districts
    """
    from kit.store import Store

    name = (cohort or sample_cohort_dir()).name
    store = Store.if_exists(db)
    found = store.convenings(name) if store else []
    if not found:
        click.echo(f"Cohort {name} has no convenings yet — add one with `kit convening add`.")
    for c in found:
        click.echo(f"{c.number}\t{c.date.isoformat() if c.date else '—'}\t{c.title}")


@main.command("load-answers")
@click.argument("path", type=click.Path(path_type=Path))
@db_option
@friendly
def load_answers(path: Path, db: str | None) -> None:
    """Load answers from a YAML file into the store (each a new version; unchanged ones are skipped).

    Example: kit load-answers sample_districts/_sample_answers.yaml
    """
    from kit.report import plural
    from kit.sample_answers import load_answers as run
    from kit.store import Store

    store = Store(db)
    saved = run(path, store)
    click.echo(f"Saved {plural(saved, 'answer')} from {path} into {store.shown_url}")


@main.command("backup")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="File to write the copy to.")
@db_option
@friendly
def backup_command(out: Path, db: str | None) -> None:
    """Copy the answer store to a file; safe while `kit serve` runs.

    Example: kit backup --out backups/convening-1.db
    """
    from kit.backup import backup

    click.echo(f"Backed up the answer store to {backup(out, db)}")


@main.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@db_option
@click.option("--force", is_flag=True, help="Replace a store that already exists.")
@friendly
def restore_command(path: Path, db: str | None, force: bool) -> None:
    """Put a backup back as the answer store; refused while `kit serve` or another program has it open.

    The backup's pages are copied in through SQLite's backup API; a store too damaged to open is
    kept beside it as <db>.damaged-<time>.

    Example: kit restore backups/convening-1.db --force
    """
    from kit.backup import restore

    click.echo(f"Restored {path} to {restore(path, db, force)}")


@main.command("export")
@cohort_option
@click.option("--out", type=click.Path(path_type=Path), required=True, help="File to write (.xlsx or .csv).")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default=None,
              help="File format [default: from the --out suffix; xlsx unless it is .csv].")
@click.option("--convening", default=None, help="Only this convening [default: every convening with answers].")
@db_option
@friendly
def export_command(cohort: Path | None, out: Path, fmt: str | None, convening: str | None, db: str | None) -> None:
    """Write the latest answer of every item, for every district of a cohort, to a spreadsheet.

    The first sheet, `answers`, is a tidy table (district, convening, module, item, prompt, answer,
    version, saved_at in UTC) with answers as readable text; then one sheet per module, a row per
    question and a column per district. CSV holds the tidy table only, in UTF-8; a value that starts
    with = + - @ (or a tab) gets a leading ' so a spreadsheet shows it instead of calculating it.
    Exit status 1 if a district file of the cohort is broken (the others are exported).

    Example: kit export --convening 1 --format csv --out answers.csv
    """
    from kit.export import export
    from kit.report import plural

    done = export(cohort or sample_cohort_dir(), out, fmt, convening, db)
    districts = len({row.district.id for row in done.rows})
    convenings = f"{'convening' if len(done.convenings) == 1 else 'convenings'} {', '.join(done.convenings)}" \
        if done.convenings else "no convening yet"
    click.echo(f"Wrote {plural(len(done.rows), 'answer')} of {plural(districts, 'district')}, {convenings},"
               f" to {done.path}")
    if done.left_out:
        click.echo(f"Note: answers of districts not in the cohort were left out: {', '.join(done.left_out)}", err=True)
    for problem in done.problems:
        click.echo(f"Error: {problem}", err=True)
    sys.exit(1 if done.problems else 0)


@main.command("template")
@click.argument("what", type=click.Choice(["roster"]))
@click.option("--out", type=click.Path(path_type=Path), default=Path("roster.xlsx"), show_default=True,
              help="Workbook to write.")
@friendly
def template_command(what: str, out: Path) -> None:
    """Write a blank roster workbook to fill in, then read with `kit import`.

    Sheets: `instructions` (every column, its allowed values and an example), `districts`
    (id, name, collaboration, grades, focus), `schools` (district, name, level, students, on_team)
    and `team` (district, name, role, site, lead, attends_meetings), with drop-down lists.

    Example: kit template roster --out roster.xlsx
    """
    from kit.roster import write_template

    click.echo(f"Wrote a blank roster to {write_template(out)}; fill it in, then `kit import {out}`")


@main.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@cohort_option
@friendly
def import_command(path: Path, cohort: Path | None) -> None:
    """Create or update district files in a cohort folder from a roster workbook (see `kit template`).

    A district on the `districts` sheet without a file gets a new <id>.yaml. An existing file is
    updated in place: a blank cell keeps what the file says; the rows of the `schools` or `team`
    sheet replace that district's list (matched by name, so sources and comments are kept). A .csv
    file is read as the `team` sheet. Nothing is written unless every row is valid; each problem
    names its sheet, row and column. Exit status 2 if any row is wrong.

    Example: kit import roster.xlsx --cohort my-cohort
    """
    from kit.roster import import_roster

    folder = cohort or sample_cohort_dir()
    done = import_roster(path, folder)
    for label, ids in (("Created", done.created), ("Updated", done.updated), ("Unchanged", done.unchanged)):
        if ids:
            click.echo(f"{label} in {folder}: {', '.join(f'{i}.yaml' for i in ids)}")


if __name__ == "__main__":  # pragma: no cover
    main()
