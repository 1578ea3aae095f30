"""Debian's nginx running ``deploy/nginx/retroboard.conf`` (the file docs/deploy.md shows),
with only its listen port and the api addresses changed, from a temporary prefix."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from tests.support.mosquitto import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
SITE_CONFIG = ROOT / "deploy" / "nginx" / "retroboard.conf"
NGINX = Path("/usr/sbin/nginx")
DOCUMENTED_APIS = ("127.0.0.1:5001", "127.0.0.1:5002")
LOG_FORMAT = '$remote_addr $upstream_addr $status "$request"'


def site_config(port: int, api_ports: list[int]) -> str:
    """The repository's site config listening on ``port``, proxying to ``api_ports``."""
    text = SITE_CONFIG.read_text()
    assert "    listen 80;\n" in text
    text = text.replace("    listen 80;\n", f"    listen 127.0.0.1:{port};\n")
    for documented, api_port in zip(DOCUMENTED_APIS, api_ports, strict=True):
        assert f"server {documented} " in text
        text = text.replace(f"server {documented} ", f"server 127.0.0.1:{api_port} ")
    return text


def main_config(workdir: Path, site: Path) -> str:
    """An nginx.conf that keeps every file in ``workdir`` and includes ``site``.

    The access log records which api served each request (the test's own, not part
    of the documented config).
    """
    temp = {name: workdir / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    # Started as root, nginx's workers would become "nobody" and could not write here.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""daemon off;
{user}worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format upstreams '{LOG_FORMAT}';
    access_log {workdir}/access.log upstreams;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {site};
}}
"""


@dataclass
class Nginx:
    """nginx in the foreground, in front of the api processes on ``api_ports``."""

    workdir: Path
    api_ports: list[int]
    port: int = 0
    """Taken when it starts: a port found free long before (while the services opened
    their connections) may be some connection's by then."""
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where clients reach the proxy."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> Path:
        """One line per finished request: client, upstream, status, request line."""
        return self.workdir / "access.log"

    def start(self) -> Nginx:
        """Check the configuration (``nginx -t``), then run it."""
        if not NGINX.exists():
            raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        site = self.workdir / "retroboard.conf"
        site.write_text(site_config(self.port, self.api_ports))
        config = self.workdir / "nginx.conf"
        config.write_text(main_config(self.workdir, site))
        command = [str(NGINX), "-p", str(self.workdir), "-e", str(self.workdir / "error.log")]
        command += ["-c", str(config)]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stderr
        with (self.workdir / "nginx.out").open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        """Fast shutdown (SIGTERM)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)
        self.process = None

    def upstreams_of(self, client: str, path_prefix: str = "/") -> set[str]:
        """The api addresses that served finished requests of ``client`` under a path."""
        pattern = re.compile(r'^(\S+) (\S+) (\d+) "\S+ (\S+)')
        found: set[str] = set()
        for line in self.access_log.read_text().splitlines():
            match = pattern.match(line)
            if match and match[1] == client and match[4].startswith(path_prefix):
                found.add(match[2])
        return found

    def error_log(self) -> str:
        """nginx's error log so far."""
        path = self.workdir / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


class SourceAddressAdapter(HTTPAdapter):
    """A requests adapter whose connections leave from one local address."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        """Bind every pooled connection to ``address``."""
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]


def session_from(address: str) -> requests.Session:
    """A requests session whose connections come from ``address`` (any of 127.0.0.0/8)."""
    session = requests.Session()
    session.mount("http://", SourceAddressAdapter(address))
    return session
