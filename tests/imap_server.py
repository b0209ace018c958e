"""A real IMAP server on 127.0.0.1 for the tests: Dovecot from the Debian packages (dovecot-imapd,
installed by .ci/run), run in the foreground with a throw-away configuration.

Any user name logs in with the password PASSWORD (a static passdb), and each has a mail folder of
its own, so every test starts from an empty mailbox by using a new name. Tests deliver messages with
IMAP APPEND, as a mail server's delivery agent would put them in the folder.

Dovecot refuses to run mail processes as root, so when the tests run as root (CI) the mail folders
belong to `nobody`, in a folder outside pytest's own (which only root may enter), and its internal
and login processes run as the users the package made (dovecot, dovenull). Run by another user, every
process runs as that user.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from certificates import self_signed

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "correct-horse-battery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(root: Path, port: int, secure_port: int) -> str:
    if os.geteuid() == 0:
        mail_user = pwd.getpwnam("nobody")
        internal, login = "dovecot", "dovenull"
    else:
        mail_user = pwd.getpwuid(os.geteuid())
        internal = login = mail_user.pw_name
    return f"""
base_dir = {root}/run
state_dir = {root}/state
instance_name = pipeline-tests-{port}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {min(mail_user.pw_uid, 500)}
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={root}/mail/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {secure_port}
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    """A running Dovecot: `port` on 127.0.0.1; `stop()` ends it and removes its folder."""

    root: Path
    port: int  # plain IMAP, with STARTTLS
    secure_port: int  # IMAP over TLS from the first byte
    process: subprocess.Popen

    @property
    def certificate(self) -> Path:
        """The server's self-signed certificate (for 127.0.0.1): a client trusts it to talk TLS."""
        return self.root / "cert.pem"

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def client(self, user: str) -> imaplib.IMAP4:
        """A logged-in connection as `user`, for the test's own deliveries and checks."""
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(user, PASSWORD)
        return imap

    def deliver(self, user: str, message: bytes, *, folder: str = "INBOX", flags: str = "", arrived=None) -> None:
        """Put `message` in the user's folder, as delivery would (IMAP APPEND), received by the server
        at `arrived` (an aware datetime; now if None)."""
        with self.client(user) as imap:
            if folder != "INBOX":
                imap.create(folder)
            status, reply = imap.append(folder, f"({flags})" if flags else None, arrived, message)
            assert status == "OK", reply

    def uids(self, user: str, folder: str = "INBOX") -> list[int]:
        """The UIDs in a folder (empty if it does not exist)."""
        with self.client(user) as imap:
            status, _ = imap.select(f'"{folder}"', readonly=True)
            if status != "OK":
                return []
            _, data = imap.uid("SEARCH", "ALL")
            return [int(n) for n in data[0].split()]

    def flags(self, user: str, folder: str = "INBOX") -> list[str]:
        """Each message's flags, in UID order."""
        with self.client(user) as imap:
            imap.select(f'"{folder}"', readonly=True)
            _, data = imap.uid("FETCH", "1:*", "(FLAGS)")
            return [item.decode() for item in data if item]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self.root, ignore_errors=True)


def available() -> bool:
    return Path(DOVECOT).is_file() and os.access(DOVECOT, os.X_OK)


def start() -> Dovecot:
    """Start Dovecot on a free port and wait until it answers."""
    root = Path(tempfile.mkdtemp(prefix="pipeline-dovecot-"))
    root.chmod(0o755)  # the mail user (nobody, under root) must reach its folder
    (root / "mail").mkdir()
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(root / "mail", nobody.pw_uid, nobody.pw_gid)
    port, secure_port = _free_port(), _free_port()
    self_signed(root)  # openssl comes with Dovecot (dovecot-core depends on it)
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port, secure_port), encoding="utf-8")
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    server = Dovecot(root, port, secure_port, process)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            log = (root / "dovecot.log").read_text(errors="replace") if (root / "dovecot.log").exists() else ""
            server.stop()
            raise RuntimeError(f"Dovecot stopped at once: {output}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(100).startswith(b"* OK"):
                    return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("Dovecot did not answer within 20 seconds")


class Dropper:
    """A man in the middle that forwards to a real server and drops the connection once the server
    has sent `limit` bytes, as a server restarting or a network failing mid-fetch would."""

    def __init__(self, target: Dovecot, limit: int) -> None:
        self.target = target
        self.limit = limit
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        import threading

        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        import select

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection((self.target.host, self.target.port))
            sent = 0
            try:
                while sent < self.limit:
                    ready, _, _ = select.select([client, upstream], [], [], 10)
                    if not ready:
                        break
                    if client in ready:
                        data = client.recv(65536)
                        if not data:
                            break
                        upstream.sendall(data)
                    if upstream in ready:
                        data = upstream.recv(min(65536, self.limit - sent))
                        if not data:
                            break
                        client.sendall(data)
                        sent += len(data)
            except OSError:
                pass
            finally:
                for s in (client, upstream):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    s.close()

    def close(self) -> None:
        self.listener.close()


class Drip:
    """An 'IMAP server' that greets, then answers one byte at a time, slowly, for ever: only an overall
    deadline ends a conversation with it."""

    def __init__(self, every: float = 0.2) -> None:
        import threading

        self.every = every
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            client, _ = self.listener.accept()
        except OSError:
            return
        with client:
            try:
                client.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
                while not self.stopped.wait(self.every):
                    client.sendall(b"*")
            except OSError:
                pass

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()
