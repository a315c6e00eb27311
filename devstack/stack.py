"""Start and stop the local stack as child processes, each in its own process group.

Used by ``make run`` (``python -m devstack.run``) and by the integration tests,
which give it free ports so they never collide with a running demo.

``state_dir`` is the data folder (``devstack.datadir``): the emulator's snapshot,
Mosquitto's store, the simulators' state and the logs live there, so a stack
started again on the same folder finds its requests, lockers, audit trail and
outbox; a new folder starts clean.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from infra.stages import stage_environment
from iot.policy import DEFAULT_TOPIC_PREFIX

from .datadir import DEFAULT, PID_FILE, DataDirError, claim, running_pid

ROOT = Path(__file__).resolve().parent.parent
AWS_STATE_FILE = "aws-state.pickle"
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before opening port {port}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
    if not found:
        raise RuntimeError("Mosquitto is not installed: run `sudo apt-get install -y mosquitto` (or `make deps`).")
    return found


@dataclass
class LocalStack:
    http_port: int = 8000  # the single origin: the static site and the API paths, as CloudFront
    mqtt_port: int = 18830
    aws_port: int = 5000
    api_port: int | None = None  # chalice local behind the origin; derived from http_port when not given
    state_dir: Path = DEFAULT
    secrets: dict[str, str] = field(default_factory=dict)
    table_prefix: str = "eps2-local"
    job_interval_s: float = 60.0
    autosave_s: float = 120.0  # the emulator also saves on every shutdown
    demo_associations: int = 2  # synthetic associations seeded (make run: the whole 2,700)
    # The local stage's, as on AWS: the bridge, the app and the simulator use the same topics.
    topic_prefix: str = field(
        default_factory=lambda: stage_environment("local").get("EPS2_TOPIC_PREFIX") or DEFAULT_TOPIC_PREFIX
    )
    email_rate: int | None = None  # e-mails a second to the emulator's SES (the local stage's 50 when None)
    logs: dict[str, Path] = field(default_factory=dict)
    _procs: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    @property
    def aws_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.aws_port}"

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.http_port}"

    @property
    def api_url(self) -> str:
        """chalice local itself, behind the origin (for tools that want the API alone)."""
        return f"http://localhost:{self.chalice_port}"

    @property
    def chalice_port(self) -> int:
        """Given, or derived from the origin's port so two stacks on different ports never collide."""
        if self.api_port is not None:
            return self.api_port
        return self.http_port + 10_000 if self.http_port + 10_000 <= 65_535 else self.http_port - 10_000

    @property
    def site_dir(self) -> Path:
        return self.state_dir / "site"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "eu-central-1",
                "EPS2_STAGE": "local",
                "EPS2_AWS_ENDPOINT": self.aws_endpoint,
                "EPS2_MQTT_HOST": "127.0.0.1",
                "EPS2_MQTT_PORT": str(self.mqtt_port),
                "EPS2_COMMAND_PUBLISHER": "mqtt",
                "EPS2_STAFF_DIRECTORY": "local",
                "EPS2_TABLE_PREFIX": self.table_prefix,
                "EPS2_TOPIC_PREFIX": self.topic_prefix,
                "EPS2_PUBLIC_BASE_URL": self.base_url,
                "EPS2_SITE_DIR": str(self.site_dir),  # the associations' directory is published into it
                "EPS2_DEMO_ASSOCIATIONS": str(self.demo_associations),
                "EPS2_SIGNING_KEY": self.secrets["signing_key"],
                "EPS2_CODE_PEPPER": self.secrets["code_pepper"],
                "EPS2_SESSION_SECRET": self.secrets["session_secret"],
                "EPS2_ORIGIN_VERIFY": self.secrets.get("origin_verify", ""),  # empty: the header is never believed
                "PYTHONPATH": str(ROOT),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.email_rate:
            env["EPS2_EMAIL_RATE"] = str(self.email_rate)
        return env

    def _spawn(self, name: str, args: list[str], port: int | None = None) -> subprocess.Popen[bytes]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.state_dir / f"{name}.log"
        self.logs[name] = log_path
        log_file = open(log_path, "wb")  # noqa: SIM115 - owned by the child for its lifetime
        proc = subprocess.Popen(
            args,
            preexec_fn=_die_with_parent,
            cwd=ROOT,
            env=self.env(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self._procs.append((name, proc))
        if port is not None:
            try:
                wait_for_port(port, 60.0, proc)
            except Exception as error:
                raise RuntimeError(f"{name} did not start: {error}; see {log_path}") from error
        return proc

    def start_aws(self) -> None:
        self._spawn(
            "moto",
            [
                PYTHON,
                "-m",
                "devstack.aws_emulator",
                "-H",
                "127.0.0.1",
                "-p",
                str(self.aws_port),
                "--state-file",
                str(self.state_dir / AWS_STATE_FILE),
                "--autosave-seconds",
                str(self.autosave_s),
            ],
            self.aws_port,
        )

    def start_mqtt(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        conf = self.state_dir / "mosquitto.conf"
        conf.write_text(
            f"listener {self.mqtt_port} 127.0.0.1\n"
            "allow_anonymous true\n"
            # Run as whoever started us: as root, Mosquitto would switch to its own user and could not
            # write its persistence file in our state folder.
            f"user {getpass.getuser()}\n"
            # Persistence keeps the bridge's session and the retained locker states across a broker
            # restart, as AWS IoT's rule engine never misses an event; it lives with the rest of the data.
            "persistence true\n"
            f"persistence_location {self.state_dir}/\n"
            "persistence_file mosquitto.db\n"
            "autosave_interval 1\n"
            "set_tcp_nodelay true\n"
            "log_dest stdout\n"
            "max_packet_size 65536\n"
        )
        self._spawn("mosquitto", [mosquitto_binary(), "-c", str(conf)], self.mqtt_port)

    def stop_mqtt(self) -> None:
        self._stop_named("mosquitto")

    def seed(self) -> None:
        subprocess.run(
            [
                PYTHON,
                "-c",
                "from devstack.seed import seed; from chalicelib.config import load_settings; seed(load_settings())",
            ],
            cwd=ROOT,
            env=self.env(),
            check=True,
        )

    def start_api(self) -> None:
        self._spawn(
            "chalice",
            [
                PYTHON,
                "-m",
                "devstack.chalice_local",
                "local",
                "--no-autoreload",
                "--stage",
                "local",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.chalice_port),
            ],
            self.chalice_port,
        )

    def build_site(self) -> None:
        """The static portal, as ``make site`` builds it, into the stack's own folder."""
        subprocess.run(
            [PYTHON, "-m", "infra.build_site", str(self.site_dir)],
            cwd=ROOT,
            env=self.env(),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start_origin(self) -> None:
        args = [PYTHON, "-m", "devstack.origin", "--port", str(self.http_port), "--api-port", str(self.chalice_port)]
        self._spawn("origin", [*args, "--site", str(self.site_dir)], self.http_port)

    def start_bridge(self) -> None:
        self._spawn("bridge", [PYTHON, "-m", "devstack.bridge", str(self.job_interval_s)])

    def start_worker(self) -> None:
        """The announcements' worker: the emulator's SQS queue to the same handler as the Lambda (issue 15)."""
        self._spawn("worker", [PYTHON, "-m", "devstack.announcement_worker"])

    def start_simulator(self, locker_id: str, ui_port: int | None = None) -> None:
        args = [
            PYTHON,
            "-m",
            "iot.simulator",
            "--locker",
            locker_id,
            "--mqtt-port",
            str(self.mqtt_port),
            # one token: a base64url key may start with "-", which argparse would take for an option
            f"--public-key={self.secrets['signing_public_key']}",
            "--state-dir",
            str(self.state_dir / locker_id),
            "--topic-prefix",
            self.topic_prefix,
        ]
        if ui_port:
            args += ["--ui-port", str(ui_port)]
        self._spawn(f"simulator-{locker_id}", args, ui_port)

    def start_all(self, with_simulator: str | None = None, simulator_ui_port: int | None = None) -> None:
        claim(self.state_dir)
        other = running_pid(self.state_dir)
        if other not in (None, os.getpid()):
            raise DataDirError(f"a local stack (pid {other}) already uses {self.state_dir}: stop it first")
        (self.state_dir / PID_FILE).write_text(str(os.getpid()))
        self.start_aws()
        self.start_mqtt()
        self.build_site()
        self.seed()  # after the site: it publishes the associations' directory into it
        self.start_api()
        self.start_origin()
        self.start_bridge()
        self.start_worker()
        if with_simulator:
            self.start_simulator(with_simulator, simulator_ui_port)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/api/health", timeout=5) as response:
                return bool(response.status == 200)
        except Exception:
            return False

    def _stop_named(self, name: str) -> None:
        for entry in [p for p in self._procs if p[0] == name]:
            _terminate(entry[1])
            self._procs.remove(entry)

    def stop(self) -> None:
        """Stop every process, the emulator last, so its snapshot holds every write."""
        for _, proc in reversed(self._procs):
            _terminate(proc)
        self._procs.clear()
        pid_file = self.state_dir / PID_FILE
        if pid_file.exists() and pid_file.read_text().strip() == str(os.getpid()):
            pid_file.unlink()


def _die_with_parent() -> None:
    """Start a new session and ask Linux to SIGTERM the child if the launcher dies, even by SIGKILL."""
    os.setsid()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=8)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
