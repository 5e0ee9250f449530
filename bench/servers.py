"""Starting the app the way production starts it, and everything it needs.

Two configurations, both on loopback, both started and stopped by the bench:

- `embedded`: SQLite and one uvicorn process (what `make run` serves, with
  DJANGO_DEBUG=0, collected static files and a real secret key);
- `scaleout`: a throwaway PostgreSQL cluster (Django's connection pool),
  redis-server, two uvicorn processes and nginx in front of them.

Every server process is pinned with taskset to the server's CPUs; the bench
pins itself to the others. The open-file limit is raised to the hard limit
before anything starts, and the children inherit it.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASE_PACK = ROOT / "casepacks" / "2024-maryia-kalesnikava"
HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _wait_listening(port, deadline, process=None):
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} while starting")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {HOST}:{port}")


def _wait_http(port, deadline, process=None):
    """Until GET / answers (Django imported and serving)."""
    _wait_listening(port, deadline, process)
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=2) as s:
                s.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
                if s.recv(12).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{HOST}:{port} does not answer GET /")


class Server:
    """What both configurations share: a temp folder, the Django environment,
    the app processes and their logs."""

    name = ""
    app_processes = 1

    def __init__(self, *, cpus="0", max_participants=10000, log=print):
        self.cpus = cpus
        self.max_participants = max_participants
        self.log = log
        self.dir = Path(tempfile.mkdtemp(prefix=f"w4r-bench-{self.name}-"))
        self.env = {
            **os.environ,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            # Plain HTTP on loopback: production sits behind TLS (DJANGO_HTTPS=1
            # would add secure cookies and redirects, not server work).
            "DJANGO_HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "W4R_DATA_DIR": str(self.dir / "data"),
            "DJANGO_STATIC_ROOT": str(self.dir / "static"),
            "W4R_DEMO_FACILITATOR": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("DATABASE_URL", None)
        self.env.pop("REDIS_URL", None)
        self.apps = []  # (port, Popen)
        self.others = []  # Popen of databases, proxies
        self.port = None  # where phones connect
        self.info = None

    # -- helpers -----------------------------------------------------------

    def _pinned(self, command):
        return ["taskset", "-c", self.cpus, *command]

    def _manage(self, *args):
        subprocess.run(
            self._pinned([sys.executable, "manage.py", *args]),
            cwd=ROOT,
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=300,
        )

    def prepare(self):
        self._manage("migrate", "--noinput")
        self._manage("collectstatic", "--noinput")
        self._manage("loadcase", str(CASE_PACK))
        out = subprocess.run(
            [sys.executable, "-m", "bench.djangoside", "setup", str(self.max_participants)],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        self.info = json.loads(out.strip().splitlines()[-1])

    def _djangoside(self, *args, timeout=300):
        out = subprocess.run(
            [sys.executable, "-m", "bench.djangoside", *map(str, args)],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])

    def readback(self, what):
        return self._djangoside("readback", self.info["code"], what)

    def populate(self, count, prefix):
        """`count` people already in the room (bench.djangoside.populate)."""
        return self._djangoside("populate", self.info["code"], count, prefix)

    def _uvicorn_command(self, port):
        uvicorn = str(Path(sys.executable).parent / "uvicorn")
        return self._pinned(
            [
                uvicorn,
                "w4r.asgi:application",
                "--host",
                HOST,
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--timeout-graceful-shutdown",
                "2",
                "--backlog",
                "4096",
            ]
        )

    def _start_app(self, index, port):
        logfile = open(self.dir / f"app-{index}.log", "ab")  # noqa: SIM115 - kept by Popen
        process = subprocess.Popen(
            self._uvicorn_command(port),
            cwd=ROOT,
            env=self.env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        logfile.close()
        return process

    def start_apps(self):
        for index in range(self.app_processes):
            port = free_port()
            self.apps.append((port, self._start_app(index, port)))
        deadline = time.monotonic() + 60
        for port, process in self.apps:
            _wait_http(port, deadline, process)

    def kill_app(self, index=0):
        """kill -9 one app process, as a crash or the OOM killer would."""
        port, process = self.apps[index]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def restart_app(self, index=0, *, wait=True):
        port, _old = self.apps[index]
        process = self._start_app(index, port)
        self.apps[index] = (port, process)
        if wait:
            _wait_http(port, time.monotonic() + 60, process)
        return process

    def app_pids(self):
        pids = []
        for _port, process in self.apps:
            if process.poll() is None:
                pids.append(process.pid)
        return pids

    def other_pids(self):
        from .proc import children

        pids = []
        for process in self.others:
            if process.poll() is None:
                pids.extend(children(process.pid))
        return pids

    def logs(self):
        text = ""
        for path in sorted(self.dir.glob("*.log")):
            text += path.read_text(errors="replace")
        return text

    def stop(self):
        for _port, process in self.apps:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=5)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self._stop_others()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _stop_others(self):
        for process in reversed(self.others):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def start(self):
        self.prepare()
        self.start_apps()
        self.port = self.apps[0][0]
        return self

    def describe(self):
        return self.name


class Embedded(Server):
    name = "embedded"
    app_processes = 1

    def describe(self):
        return "SQLite, 1 uvicorn process"


class ScaleOut(Server):
    """PostgreSQL + Redis + N uvicorn processes behind nginx."""

    name = "scaleout"

    def __init__(self, *, processes=2, **kwargs):
        super().__init__(**kwargs)
        self.app_processes = processes

    def describe(self):
        return f"PostgreSQL + Redis, {self.app_processes} uvicorn processes behind nginx"

    def start(self):
        self._start_postgres()
        self._start_redis()
        self.prepare()
        self.start_apps()
        self._start_nginx()
        return self

    def _start_postgres(self):
        bindirs = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
        )
        if not bindirs:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        bindir = bindirs[-1]
        run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        data = self.dir / "pg"
        data.mkdir()
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o755)
            shutil.chown(data, "postgres")
        port = free_port()
        subprocess.run(
            [*run_as, str(bindir / "initdb"), "-D", str(data / "data"), "-U", "w4r",
             "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
            check=True, stdout=subprocess.DEVNULL, timeout=120,
        )  # fmt: skip
        options = [
            "-c", f"listen_addresses={HOST}", "-p", str(port), "-k", str(data),
            # Commits do not wait for their WAL flush, like SQLite's WAL with
            # synchronous=NORMAL in the embedded default; fsync stays on.
            "-c", "max_connections=200", "-c", "synchronous_commit=off",
        ]  # fmt: skip
        with open(self.dir / "postgres.log.txt", "ab") as logfile:
            process = subprocess.Popen(
                self._pinned([*run_as, str(bindir / "postgres"), "-D", str(data / "data"),
                              *options]),
                stdout=subprocess.DEVNULL, stderr=logfile, start_new_session=True,
            )  # fmt: skip
        self.others.append(process)
        _wait_listening(port, time.monotonic() + 30, process)
        for _attempt in range(50):
            done = subprocess.run(
                [*run_as, str(bindir / "createdb"), "-h", HOST, "-p", str(port), "-U", "w4r",
                 "w4r"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30,
            )  # fmt: skip
            if done.returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("could not create the bench database")
        self.env["DATABASE_URL"] = f"postgres://w4r@{HOST}:{port}/w4r"

    def _start_redis(self):
        redis = shutil.which("redis-server")
        if not redis:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        port = free_port()
        process = subprocess.Popen(
            self._pinned([redis, "--bind", HOST, "--port", str(port), "--save", "",
                          "--appendonly", "no", "--maxclients", "10000", "--dir", str(self.dir),
                          "--logfile", ""]),
            stdout=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self.others.append(process)
        _wait_listening(port, time.monotonic() + 30, process)
        self.env["REDIS_URL"] = f"redis://{HOST}:{port}/0"

    def _start_nginx(self):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
        port = free_port()
        conf = self.dir / "nginx.conf"
        upstreams = "\n".join(f"    server {HOST}:{p} max_fails=0;" for p, _ in self.apps)
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf.write_text(
            f"""{user}worker_processes 1;
worker_rlimit_nofile 40000;
pid {self.dir}/nginx.pid;
error_log {self.dir}/nginx-error.log.txt warn;
events {{ worker_connections 30000; }}
http {{
  access_log off;
  client_body_temp_path {self.dir}/nginx-body;
  proxy_temp_path {self.dir}/nginx-proxy;
  fastcgi_temp_path {self.dir}/nginx-fastcgi;
  uwsgi_temp_path {self.dir}/nginx-uwsgi;
  scgi_temp_path {self.dir}/nginx-scgi;
  upstream app {{
{upstreams}
    keepalive 64;
  }}
  server {{
    listen {HOST}:{port} backlog=4096;
    location / {{
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_read_timeout 1h;
      proxy_next_upstream error timeout;
    }}
  }}
}}
"""
        )
        process = subprocess.Popen(
            self._pinned([nginx, "-c", str(conf), "-p", str(self.dir), "-e",
                          str(self.dir / "nginx-error.log.txt"), "-g", "daemon off;"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self.others.append(process)
        _wait_http(port, time.monotonic() + 30, process)
        self.port = port


CONFIGS = {"embedded": Embedded, "scaleout": ScaleOut}
