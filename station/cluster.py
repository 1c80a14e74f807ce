"""Page work on Celery workers over a Redis broker, for more pages than one machine
reads (`STATION_BROKER_URL=redis://host:6379/0`).

One coordinator (`station run` or `station process`) stays the single writer of SQLite,
the outbox and the register; `station worker` runs on any number of machines and does
only what `station.page_work.run_page` does, on plain data. What travels:

- the scan file, once per file, either as a Redis key the workers fetch and keep
  (messages stay small however long the file) or, with `STATION_SHARED_DIR`, as a path
  in a folder every machine mounts;
- the page's archival image (a one-page PDF) back in the task's result, or in the
  shared folder.

Nothing is lost: tasks are acknowledged only once done (`acks_late`), so a worker killed
mid-page leaves its message to be delivered again after the visibility timeout; and
the coordinator sends a page again when no result has come by its deadline (a broker
restarted without its data). A page read twice is stored once: the first result wins.

Workers say they are alive in Redis every few seconds (`station status` lists them,
with pages per minute); one not heard from for `GONE_AFTER` seconds is shown gone and
logged by the coordinator."""

from __future__ import annotations

import base64
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from errors import ConfigError
from models.jobs import sha256_of

from . import config
from .page_work import PageOutcome, PageTask

if TYPE_CHECKING:
    import redis
    from celery import Celery

log = logging.getLogger(__name__)

TASK = "station.page"
GONE_AFTER = 30.0  # seconds without a heartbeat: the worker is shown gone
HEARTBEAT = 5.0
RATE_WINDOW = 300.0  # pages per minute are counted over the last five minutes
FILE_TTL = 86400  # a scan file kept in Redis is dropped after a day, in case no one releases it
MAX_TRIES = 5  # a page whose task breaks this often fails its file (retried later as a job)
DONE_LOG = "station:pages-done"  # "<page id> <worker>", newest first: who read what
_PATHS = ("source", "image_pdf")  # PageTask fields that are paths on the coordinator


@dataclass(frozen=True)
class ClusterSettings:
    """Where the broker is and how patient to be, from STATION_* variables."""

    broker_url: str
    shared_dir: Path | None = None  # a folder every machine mounts at the same path
    visibility_timeout: float = 900.0  # an unacknowledged page goes to another worker after this
    page_deadline: float = 1800.0  # the coordinator sends a page again after this without a result
    max_file_mb: float = 256.0  # a bigger scan file needs STATION_SHARED_DIR
    queue: str = "station-pages"
    window: int = 16  # pages in flight: about twice the workers' processes together

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ClusterSettings | None:
        """From the environment over the station's TOML file (`broker_url = ...`), as
        every setting (station.config); None when no broker is set."""
        env = config.merged(env)
        url = env.get("STATION_BROKER_URL", "").strip()
        if not url:
            return None
        if not url.startswith(("redis://", "rediss://", "redis+socket://")):
            raise ConfigError(f"STATION_BROKER_URL: '{url}' is not a Redis address (redis://host:6379/0)")
        shared = env.get("STATION_SHARED_DIR")
        if shared and not Path(shared).is_dir():
            raise ConfigError(f"STATION_SHARED_DIR: {shared} is not a folder")

        def number(name: str, default: float, low: float) -> float:
            raw = env.get(name)
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise ConfigError(f"{name}: '{raw}' is not a number") from None
            if value < low:
                raise ConfigError(f"{name}: {raw} is below {low:g}")
            return value

        visibility = number("STATION_BROKER_VISIBILITY_TIMEOUT", cls.visibility_timeout, 1)
        return cls(
            url,
            Path(shared) if shared else None,
            visibility,
            number("STATION_PAGE_DEADLINE", max(cls.page_deadline, 2 * visibility), 1),
            number("STATION_BROKER_MAX_FILE_MB", cls.max_file_mb, 1),
            env.get("STATION_BROKER_QUEUE") or cls.queue,
            int(number("STATION_PAGES_IN_FLIGHT", cls.window, 1)),
        )


def make_app(s: ClusterSettings) -> Celery:
    from celery import Celery

    app = Celery("station", broker=s.broker_url, backend=s.broker_url)
    app.conf.update(
        task_acks_late=True,  # acknowledged once the page is read: a killed worker's page is sent again
        task_reject_on_worker_lost=True,  # a pool process killed mid-page: its page goes back to the queue
        worker_prefetch_multiplier=1,  # a worker holds no page it is not reading
        task_default_queue=s.queue,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],  # never pickle from the network
        broker_transport_options={
            "visibility_timeout": s.visibility_timeout,
            # Workers look for pages a dead worker left every few seconds (kombu's
            # default, 10 s x every 10th look, leaves them almost two minutes).
            "unacked_restore_interval": max(1.0, min(10.0, s.visibility_timeout / 5)),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a broker restart is waited out, never given up on
        result_backend_always_retry=True,
        result_backend_max_retries=60,
        result_expires=int(s.page_deadline * 2),
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    app.task(name=TASK, acks_late=True)(_page_task)
    return app


def _redis(url: str) -> redis.Redis:
    import redis

    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)


# ---- the worker's side ----------------------------------------------------------

_worker: dict[str, Any] = {}  # this worker process's name, settings and Redis client


def _page_task(payload: dict[str, Any]) -> dict[str, Any]:
    """One page: fetch the scan file (once per file and worker), read the page as the
    local pool would, hand back the outcome and the page's archival image."""
    from .page_work import run_page

    s: ClusterSettings = _worker["settings"]
    r = _worker.get("redis") or _worker.setdefault("redis", _redis(s.broker_url))
    name = _worker["name"]
    page_id = payload["page_id"]
    _note(r, lambda p: p.hset(_key(name), mapping={"current": page_id, "current_since": time.time()}))
    work = Path(tempfile.mkdtemp(prefix="station-page-"))
    read = False
    try:
        source = _fetch(payload["file"], s, r)
        t = payload["task"]
        image = (
            s.shared_dir / "pages" / f"{page_id}-{uuid.uuid4().hex[:8]}.pdf"  # a page read twice: two files
            if s.shared_dir and payload["file"].get("shared")
            else work / "page.pdf"
        )
        image.parent.mkdir(parents=True, exist_ok=True)
        task = PageTask(source=source, image_pdf=image, **t)
        outcome = run_page(task)
        read = True
        result: dict[str, Any] = {
            "page": outcome.page,
            "matrix": outcome.matrix,
            "image_size": list(outcome.image_size),
            "error": outcome.error,
            "debug": outcome.debug,
            "retryable": outcome.retryable,
            "timings": outcome.timings,
            "worker": name,
        }
        if not outcome.error:
            if image.parent == work:
                result["image"] = base64.b64encode(image.read_bytes()).decode("ascii")
            else:
                result["image_path"] = str(image)
        return result
    except _FileGone as e:
        return {"error": str(e), "retryable": True, "worker": name, "again": True}
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if read:
            _note(r, lambda p: _done(p, name, page_id))
        else:
            _note(r, lambda p: p.hdel(_key(name), "current", "current_since"))


def _done(pipe: Any, name: str, page_id: str) -> None:
    now = time.time()
    pipe.hdel(_key(name), "current", "current_since")
    pipe.hincrby(_key(name), "pages", 1)
    pipe.zadd(_key(name) + ":done", {f"{page_id}@{now}": now})
    pipe.zremrangebyscore(_key(name) + ":done", 0, now - RATE_WINDOW)
    pipe.lpush(DONE_LOG, f"{page_id} {name}")
    pipe.ltrim(DONE_LOG, 0, 9999)


def _note(r: redis.Redis, write: Any) -> None:
    """The worker's figures for `station status`: never worth failing a page for."""
    try:
        pipe = r.pipeline()
        write(pipe)
        pipe.execute()
    except Exception as e:  # noqa: BLE001 - the broker may be restarting
        log.warning("worker figures not written (%s)", e)


class _FileGone(Exception):
    pass


def _fetch(ref: dict[str, Any], s: ClusterSettings, r: redis.Redis) -> Path:
    if ref.get("shared"):
        path = Path(ref["shared"])
        if not path.exists():
            raise _FileGone(f"the scan file {path} is not in the shared folder on this worker")
        return path
    cache: Path = _worker["cache"]
    path = cache / f"{ref['sha256']}{ref['suffix']}"
    if not path.exists():
        data = r.get(_file_key(ref["sha256"]))
        if data is None:
            raise _FileGone("the scan file is no longer in the broker (it will be sent again)")
        part = path.with_name(f"{path.name}.{os.getpid()}.part")  # pool processes may fetch it at once
        part.write_bytes(data)  # type: ignore[arg-type]
        part.replace(path)
        _sweep(cache)
    os.utime(path)
    return path


def _sweep(cache: Path, keep: float = 3600.0) -> None:
    """Scan files no page has asked for in an hour leave the worker's cache."""
    now = time.time()
    for p in cache.iterdir():
        try:
            if now - p.stat().st_mtime > keep:
                p.unlink()
        except OSError:
            pass


def run_worker(s: ClusterSettings, concurrency: int, name: str | None = None) -> None:
    """`station worker`: a Celery worker with the station's page task, saying it is
    alive in Redis every few seconds."""
    from celery.signals import worker_process_init

    from .page_work import init_worker

    name = name or f"{socket.gethostname()}-{os.getpid()}"
    _worker.update(name=name, settings=s, cache=Path(tempfile.gettempdir()) / f"station-worker-{os.getpid()}")
    _worker["cache"].mkdir(parents=True, exist_ok=True)
    app = make_app(s)
    r = _redis(s.broker_url)
    me: dict[Any, Any] = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "concurrency": concurrency,
        "started": time.time(),
    }

    def beat() -> None:
        while True:
            try:  # all of it every time: a broker restarted without its data learns it again
                r.hset(_key(name), mapping={**me, "last_seen": time.time()})
                r.sadd("station:workers", name)
            except Exception as e:  # noqa: BLE001 - the broker may be restarting: say so, go on
                log.warning("worker %s: cannot reach the broker (%s)", name, e)
            time.sleep(HEARTBEAT)

    threading.Thread(target=beat, name="station-heartbeat", daemon=True).start()

    def in_pool_process(**_: Any) -> None:
        init_worker(None)
        _worker.pop("redis", None)  # a forked client's socket is the parent's: each process its own

    worker_process_init.connect(in_pool_process, weak=False)
    init_worker(None)
    try:
        app.worker_main(
            ["worker", "-n", f"{name}@%h", "-c", str(concurrency), "-Q", s.queue, "--loglevel", "INFO"]
            + (["--pool", "solo"] if concurrency == 1 else [])
        )
    finally:
        shutil.rmtree(_worker["cache"], ignore_errors=True)


def _key(name: str) -> str:
    return f"station:worker:{name}"


def _file_key(sha: str) -> str:
    return f"station:file:{sha}"


# ---- what the coordinator sees ---------------------------------------------------


def workers(s: ClusterSettings) -> dict[str, Any]:
    """Workers, their state and pages per minute, and the pages waiting in the queue."""
    r = _redis(s.broker_url)
    now = time.time()
    out = []
    members: Any = r.smembers("station:workers")
    for raw in sorted(members):
        name = raw.decode()
        stored: Any = r.hgetall(_key(name))
        h = {k.decode(): v.decode() for k, v in stored.items()}
        if not h:
            continue
        seen = float(h.get("last_seen") or h.get("started") or 0)
        recent = r.zcount(_key(name) + ":done", now - RATE_WINDOW, now)
        out.append(
            {
                "name": name,
                "host": h.get("host", ""),
                "concurrency": int(h.get("concurrency", 0)),
                "pages": int(h.get("pages", 0)),
                "pages_per_minute": round(recent / (RATE_WINDOW / 60), 1),
                "seconds_since_seen": round(now - seen, 1),
                "alive": now - seen < GONE_AFTER,
                "reading": h.get("current"),
            }
        )
    queued: Any = r.llen(s.queue)
    return {"broker": _safe_url(s.broker_url), "queued": int(queued), "workers": out}


def status_from_env() -> dict[str, Any] | None:
    """The workers' status when a broker is configured (None when it is not); an
    unreachable broker is said, never raised: status pages must always show."""
    s = ClusterSettings.from_env()
    if s is None:
        return None
    try:
        return workers(s)
    except Exception as e:  # noqa: BLE001 - the broker is down or refuses us
        return {"broker": _safe_url(s.broker_url), "error": f"the broker does not answer ({e})", "workers": []}


def _safe_url(url: str) -> str:
    """The broker's address without its password, for screens and logs."""
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


# ---- the coordinator's executor --------------------------------------------------


@dataclass
class _Pending:
    task: PageTask
    future: Future[PageOutcome]
    payload: dict[str, Any]
    sent: list[Any]  # AsyncResults: the first to finish wins
    due: float  # when to send the page again
    tries: int = 0
    reput: bool = False  # put the file into Redis again with the next send


class CeleryExecutor:
    """Submits pages as Celery tasks; a thread collects their results and fulfils the
    pipeline's futures. A broker that is down is waited for: pages not yet sent are sent
    when it is back, results not yet collected are collected then."""

    def __init__(self, s: ClusterSettings) -> None:
        self.s = s
        self.window = s.window
        self.app = make_app(s)
        self.redis = _redis(s.broker_url)
        self._files: dict[Path, dict[str, Any]] = {}
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._alive: set[str] = set()
        self._thread = threading.Thread(target=self._collect, name="station-results", daemon=True)
        self._thread.start()

    def submit(self, task: PageTask) -> Future[PageOutcome]:
        fut: Future[PageOutcome] = Future()
        try:
            fresh = task.source not in self._files
            ref = self._file(task.source)
        except (OSError, ConfigError) as e:
            fut.set_result(PageOutcome(task, error=str(e), retryable=isinstance(e, OSError)))
            return fut
        page_id = f"{ref['sha256'][:20]}-{task.index}"
        payload = {
            "page_id": page_id,
            "file": ref,
            # Every field but the paths, which are the coordinator's: the worker has its own.
            "task": {f.name: getattr(task, f.name) for f in fields(task) if f.name not in _PATHS},
        }
        with self._lock:
            # The file goes to Redis with its first page's message, from the collecting
            # thread, which waits for a broker that is down instead of failing the page.
            self._pending[page_id] = _Pending(task, fut, payload, [], 0.0, reput=fresh)
        return fut

    def _file(self, source: Path) -> dict[str, Any]:
        """The file's reference in the page messages: copied to the shared folder, or put
        in Redis (`_send`, with the first page), once per file whatever its pages."""
        ref = self._files.get(source)
        if ref is not None:
            return ref
        size = source.stat().st_size
        if not self.s.shared_dir and size > self.s.max_file_mb * 1e6:
            raise ConfigError(
                f"the file is {size / 1e6:.0f} MB, more than the broker carries "
                f"(STATION_BROKER_MAX_FILE_MB={self.s.max_file_mb:g}): give the workers a shared "
                "folder (STATION_SHARED_DIR)"
            )
        sha = sha256_of(source)
        ref = {"sha256": sha, "suffix": source.suffix.lower()}
        if self.s.shared_dir:
            target = self.s.shared_dir / "files" / f"{sha}{ref['suffix']}"
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                part = target.with_name(f"{target.name}.{os.getpid()}.part")
                shutil.copyfile(source, part)
                part.replace(target)
            ref["shared"] = str(target)
        self._files[source] = ref
        return ref

    def _put(self, source: Path, sha: str) -> None:
        self.redis.set(_file_key(sha), source.read_bytes(), ex=FILE_TTL)

    def _send(self, p: _Pending) -> None:
        ref = p.payload["file"]
        if p.reput and "shared" not in ref:  # a restarted broker may have lost it
            self._put(p.task.source, ref["sha256"])
        p.sent.append(self.app.send_task(TASK, args=[p.payload], queue=self.s.queue))
        p.tries += 1
        p.reput = False
        p.due = time.monotonic() + self.s.page_deadline
        if p.tries > 1:
            log.warning("page %s: sent again (try %d)", p.payload["page_id"], p.tries)

    def _collect(self) -> None:
        last_check = 0.0
        while not self._stop.is_set():
            with self._lock:
                pending = list(self._pending.items())
            for page_id, p in pending:
                try:
                    if not p.sent or time.monotonic() > p.due:
                        p.reput |= bool(p.sent)  # no result by the deadline: the broker may have lost all
                        self._send(p)
                    outcome = self._outcome(p)
                except Exception as e:  # noqa: BLE001 - the broker is away: wait for it, lose nothing
                    log.warning("broker unreachable (%s); waiting for it", e)
                    self._after_outage()
                    self._stop.wait(1.0)
                    break
                if outcome is not None:
                    with self._lock:
                        self._pending.pop(page_id, None)
                    p.future.set_result(outcome)
            if time.monotonic() - last_check > HEARTBEAT:
                last_check = time.monotonic()
                self._notice_gone_workers()
            self._stop.wait(0.05)

    def _after_outage(self) -> None:
        """Pages sent before the broker went away are due again twice the visibility
        timeout after it is back (this runs while it is away). Even a broker that keeps
        its data can lose a page then: a message published as it stopped, or one a
        worker had taken and could not give back; any that survived is delivered, or
        given back and delivered, well within that time."""
        due = time.monotonic() + 2 * self.s.visibility_timeout
        with self._lock:
            for p in self._pending.values():
                if p.sent:
                    p.due = min(p.due, due)

    def _outcome(self, p: _Pending) -> PageOutcome | None:
        for res in list(p.sent):
            if not res.ready():
                continue
            if res.failed():
                # The task itself broke (the broker went away under it, a worker library
                # fault): not the page's fault, so it is sent again, a few times.
                data: dict[str, Any] = {"error": f"the worker failed on the page ({res.result!r})", "again": True}
            else:
                data = res.get()
            self._drop_result(res.id)
            if data.get("again"):
                if p.tries >= MAX_TRIES:
                    return PageOutcome(p.task, error=data["error"], retryable=True)
                log.warning("page %s: %s", p.payload["page_id"], data["error"])
                p.sent.remove(res)
                p.reput = True
                if not p.sent:
                    p.due = 0.0
                continue
            try:
                return self._from_result(p.task, data)
            except OSError as e:  # the page image could not be written here (disk full)
                return PageOutcome(p.task, error=f"the page image could not be stored: {e}", retryable=True)
        return None

    def _drop_result(self, task_id: str) -> None:
        """A page's result holds its image: gone from Redis once taken (best effort: it
        expires anyway), without Celery's retries while the broker is away."""
        try:
            self.redis.delete(f"celery-task-meta-{task_id}")
        except Exception:  # noqa: BLE001
            pass

    def _from_result(self, task: PageTask, data: dict[str, Any]) -> PageOutcome:
        size = data.get("image_size") or (0, 0)
        outcome = PageOutcome(
            task,
            data.get("page"),
            data.get("matrix") or [],
            (int(size[0]), int(size[1])),
            data.get("error"),
            data.get("debug"),
            bool(data.get("retryable")),
            data.get("timings") or {},
        )
        if outcome.error:
            return outcome
        task.image_pdf.parent.mkdir(parents=True, exist_ok=True)
        if "image" in data:
            task.image_pdf.write_bytes(base64.b64decode(data["image"]))
        else:
            shutil.move(data["image_path"], task.image_pdf)
        return replace(outcome, task=task)

    def _notice_gone_workers(self) -> None:
        try:
            now_alive = {w["name"] for w in workers(self.s)["workers"] if w["alive"]}
        except Exception:  # noqa: BLE001 - the broker is away; _collect says so
            return
        for gone in self._alive - now_alive:
            log.warning(
                "worker %s has not been heard from for %.0f s: its page goes to another worker after "
                "the visibility timeout (%.0f s)",
                gone,
                GONE_AFTER,
                self.s.visibility_timeout,
            )
        self._alive = now_alive

    def restart(self) -> None:
        pass  # workers are other processes: a dead one's pages come back through the broker

    def release(self, source: Path) -> None:
        ref = self._files.pop(source, None)
        if ref and "shared" in ref:
            Path(ref["shared"]).unlink(missing_ok=True)
        elif ref:
            try:
                self.redis.delete(_file_key(ref["sha256"]))
            except Exception:  # noqa: BLE001 - it expires on its own
                pass

    def shutdown(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for source in list(self._files):
            self.release(source)
