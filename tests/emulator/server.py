"""The HTTP/1.1 transport and the public ``Emulator`` object."""
from __future__ import annotations

import logging
import socket
import socketserver
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Mapping, Optional

from .app import App, Outcome
from .auth import DEFAULT_MAX_SKEW
from .ecs import DEFAULT_LIMIT
from .fleet import Fleet
from .wire import ApiRequest

LOG = logging.getLogger("emulator")
_NO_BODY_STATUSES = (204, 304)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HuaweiCloudEmulator/1.0"
    timeout = 300                      # idle keep-alive connections are closed after this
    server: "_Server"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._dispatch()

    do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base
        if self.server.verbose:
            LOG.info("%s %s", self.address_string(), format % args)

    def _dispatch(self) -> None:
        body = self._read_body()
        if body is None:
            self.close_connection = True
            self.send_error(400, "bad request body framing")
            return
        path, raw_query = self.path.partition("?")[::2]
        request = ApiRequest(method=self.command, path=path, raw_query=raw_query, headers=self.headers,
                             body=body, request_id=uuid.uuid4().hex, client_host=self.client_address[0])
        try:
            self._send(self.server.app.handle(request))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _read_body(self) -> Optional[bytes]:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            return None
        return self.rfile.read(size) if size > 0 else b""

    def _read_chunked(self) -> Optional[bytes]:
        chunks: list[bytes] = []
        while True:
            line = self.rfile.readline(65537)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                return None
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(65537)

    def _send(self, outcome: Outcome) -> None:
        response = outcome.response
        if response is None:                       # "drop": close without answering
            self.close_connection = True
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        body = b"" if response.status in _NO_BODY_STATUSES or self.command == "HEAD" else response.body
        if response.status not in _NO_BODY_STATUSES:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if outcome.truncate:                       # "truncate": announce the body, send half
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], app: App, verbose: bool = False) -> None:
        self.app, self.verbose = app, verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return                                 # the client went away: not worth a traceback
        super().handle_error(request, client_address)

    def server_bind(self) -> None:
        # HTTPServer.server_bind() calls getfqdn(), which can stall on a reverse DNS lookup.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Emulator:
    """Huawei Cloud ECS/ModelArts scheduled-event APIs (plus IAM projects) on 127.0.0.1.

    Use as a context manager, or call ``start()`` and ``stop()``.
    """

    def __init__(self, fleet: Optional[Fleet] = None, latency: float = 0.0, *, host: str = "127.0.0.1",
                 port: int = 0, ecs_last_page: str = "absent", max_skew: float = DEFAULT_MAX_SKEW,
                 ecs_default_limit: int = DEFAULT_LIMIT, verbose: bool = False) -> None:
        self.app = App(fleet, latency, ecs_last_page, max_skew, ecs_default_limit)
        self._address = (host, port)
        self._verbose = verbose
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "Emulator":
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._server = _Server(self._address, self.app, self._verbose)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name=f"emulator-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    close = stop

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 traceback: Optional[TracebackType]) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = self._address[0]
        host = "127.0.0.1" if host in ("", "0.0.0.0") else host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    # ------------------------------------------------------------------ settings
    @property
    def latency(self) -> float:
        return self.app.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.app.configure(latency=seconds)

    @property
    def ecs_last_page(self) -> str:
        return self.app.ecs_options.last_page

    @ecs_last_page.setter
    def ecs_last_page(self, mode: str) -> None:
        self.app.configure(ecs_last_page=mode)

    @property
    def max_skew(self) -> float:
        return self.app.auth.max_skew

    @max_skew.setter
    def max_skew(self, seconds: float) -> None:
        self.app.configure(max_skew=seconds)

    # ------------------------------------------------------------------ regions
    def project_id(self, region: str) -> str:
        return self.app.store.project_id(region)

    def regions(self) -> dict[str, str]:
        """Region name -> project id."""
        return self.app.store.regions()

    def add_region(self, region: str, project_id: Optional[str] = None) -> str:
        return self.app.store.add_region(region, project_id)

    # ------------------------------------------------------------------ statistics
    def stats(self) -> dict[str, Any]:
        return self.app.stats.snapshot()

    def reset_stats(self) -> None:
        self.app.stats.reset()

    # ------------------------------------------------------------------ faults
    def add_fault(self, route: Optional[str] = None, kind: str = "status", status: int = 500,
                  retry_after: Any = None, count: Optional[int] = None, region: Optional[str] = None,
                  seconds: float = 0.0, code: Optional[str] = None, message: Optional[str] = None) -> str:
        """Inject a fault; returns its id. ``count=None`` applies it forever."""
        return self.app.add_fault(route=route, kind=kind, status=status, retry_after=retry_after,
                                  count=count, region=region, seconds=seconds, code=code, message=message)

    def remove_fault(self, fault_id: str) -> None:
        self.app.faults.remove(fault_id)

    def faults(self) -> list[dict[str, Any]]:
        return self.app.faults.snapshot()

    def clear_faults(self) -> None:
        self.app.faults.clear()

    # ------------------------------------------------------------------ events
    def add_event(self, service: str, region: str, event: Mapping[str, Any],
                  workspace_id: Optional[str] = None) -> str:
        """Add a raw event ("ecs" snake_case or "modelarts" camelCase); returns its id."""
        return self.app.add_event(service, region, event, workspace_id)

    def update_event(self, event_id: str, **fields: Any) -> dict[str, Any]:
        return self.app.store.update(event_id, fields)

    def remove_event(self, event_id: str) -> None:
        self.app.store.remove(event_id)

    def events(self, service: Optional[str] = None, region: Optional[str] = None) -> list[dict[str, Any]]:
        """Every event with ``service``, ``region``, ``project_id`` (and ``workspaceId``) added."""
        return self.app.store.views(service, region)
