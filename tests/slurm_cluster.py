"""A one-node SLURM cluster on this machine, for tests/test_slurm.py and ``make test-slurm``.

Debian's Slurm (slurmctld, slurmd), munge, slurmdbd and MariaDB, all configured under one
scratch directory and started as plain processes (no systemd). Accounting is required: the
Snakemake SLURM executor plugin reads job states only with ``sacct``. What was found to work
on this machine class is in ``../shared/design/SLURM.md``; the choices here follow it.

Usage as a script::

    python tests/slurm_cluster.py install      # apt-get the packages if missing (root)
    python tests/slurm_cluster.py start DIR    # prints the SLURM_CONF to export
    python tests/slurm_cluster.py stop DIR

Clients (``sbatch``, ``sacct``, ``scancel``, Snakemake's plugin) find the cluster through
``SLURM_CONF=DIR/etc/slurm.conf`` (``Cluster.env``); nothing is written to ``/etc/slurm``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from apt_packages import apt_install

PACKAGES = ("slurm-wlm", "munge", "mariadb-server", "slurmdbd")
BINARIES = ("slurmctld", "slurmd", "slurmdbd", "sbatch", "sacct", "sacctmgr", "munged",
            "mariadbd", "mariadb")
CLUSTER = "noahperm"
DB_USER, DB_PASS, DB_NAME = "slurm", "noahperm-test", "slurm_acct_db"


def missing_binaries() -> list[str]:
    return [b for b in BINARIES if shutil.which(b) is None and not Path(f"/usr/sbin/{b}").exists()]


def install() -> None:
    """Install the Debian packages when a binary is missing (needs root and apt)."""
    if not missing_binaries():
        return
    apt_install(PACKAGES, f"SLURM is not installed ({', '.join(missing_binaries())} missing)")


def _sbin(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


class Cluster:
    """The daemons of a one-node cluster whose files all live under ``base``."""

    def __init__(self, base: Path):
        self.base = Path(base).resolve()
        self.etc = self.base / "etc"
        self.var = self.base / "var"
        self.log = self.base / "log"
        self.conf = self.etc / "slurm.conf"
        self.procs: dict[str, subprocess.Popen] = {}
        self.host = socket.gethostname().split(".")[0]

    @property
    def env(self) -> dict[str, str]:
        """The environment of a SLURM client (``SLURM_CONF``; ``USER`` for the plugin)."""
        return {**os.environ, "SLURM_CONF": str(self.conf),
                "USER": os.environ.get("USER") or "root"}

    # -------------------------------------------------------------------------- set-up
    def _write_configs(self) -> None:
        for d in (self.etc, self.var / "state", self.var / "spool", self.log, self.var / "db"):
            d.mkdir(parents=True, exist_ok=True)
        node = subprocess.run([_sbin("slurmd"), "-C"], capture_output=True, text=True,
                              check=True).stdout.splitlines()[0].split()
        fields = dict(f.split("=", 1) for f in node)
        memory = int(int(fields["RealMemory"]) * 0.8)
        node_line = " ".join(f"{k}={v}" for k, v in fields.items() if k != "RealMemory")
        node_line = node_line.replace(f"NodeName={fields['NodeName']}", f"NodeName={self.host}")
        self.conf.write_text(f"""# one-node test cluster (tests/slurm_cluster.py)
ClusterName={CLUSTER}
SlurmctldHost={self.host}
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation={self.var / 'state'}
SlurmdSpoolDir={self.var / 'spool'}
SlurmctldPidFile={self.var / 'slurmctld.pid'}
SlurmdPidFile={self.var / 'slurmd.pid'}
SlurmctldLogFile={self.log / 'slurmctld.log'}
SlurmdLogFile={self.log / 'slurmd.log'}
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=5
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
MinJobAge=300
KillWait=5
{node_line} RealMemory={memory} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
""")
        dbd = self.etc / "slurmdbd.conf"
        dbd.write_text(f"""AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
PidFile={self.var / 'slurmdbd.pid'}
LogFile={self.log / 'slurmdbd.log'}
StorageType=accounting_storage/mysql
StorageHost=localhost
StoragePort=3306
StorageUser={DB_USER}
StoragePass={DB_PASS}
StorageLoc={DB_NAME}
""")
        dbd.chmod(0o600)

    def _spawn(self, name: str, argv: list[str], **kw) -> None:
        out = open(self.log / f"{name}.out", "ab")  # noqa: SIM115 (held by the process)
        self.procs[name] = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                            env=self.env, start_new_session=True, **kw)

    def _wait(self, what: str, ok, timeout: float = 60.0) -> None:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if ok():
                return
            for name, p in self.procs.items():
                if p.poll() is not None:
                    raise RuntimeError(f"{name} exited ({p.returncode}) while waiting for "
                                       f"{what}; see {self.log}")
            time.sleep(0.5)
        raise RuntimeError(f"timed out waiting for {what}; see {self.log}")

    def _ok(self, argv: list[str]) -> bool:
        return subprocess.run(argv, env=self.env, capture_output=True).returncode == 0

    def start(self) -> Cluster:
        install()
        self._write_configs()
        # munge: as user munge, its socket directory owned by it
        run_munge = Path("/run/munge")
        run_munge.mkdir(parents=True, exist_ok=True)
        shutil.chown(run_munge, "munge", "munge")
        if not self._ok(["munge", "-n"]):
            self._spawn("munged", ["runuser", "-u", "munge", "--", _sbin("munged"),
                                   "--foreground"])
            self._wait("munged", lambda: self._ok(["munge", "-n"]))
        # MariaDB on its default socket, the accounting database and user
        run_mysql = Path("/run/mysqld")
        run_mysql.mkdir(parents=True, exist_ok=True)
        shutil.chown(run_mysql, "mysql", "mysql")
        if not self._ok(["mariadb", "-e", "SELECT 1"]):
            self._spawn("mariadbd", [_sbin("mariadbd"), "--user=mysql",
                                     "--skip-networking=0", "--bind-address=127.0.0.1"])
            self._wait("mariadbd", lambda: self._ok(["mariadb", "-e", "SELECT 1"]))
        sql = (f"CREATE DATABASE IF NOT EXISTS {DB_NAME}; "
               f"CREATE USER IF NOT EXISTS '{DB_USER}'@'localhost' IDENTIFIED BY '{DB_PASS}'; "
               f"GRANT ALL ON {DB_NAME}.* TO '{DB_USER}'@'localhost'; FLUSH PRIVILEGES;")
        subprocess.run(["mariadb", "-e", sql], check=True, capture_output=True)
        self._spawn("slurmdbd", [_sbin("slurmdbd"), "-D"])
        self._wait("slurmdbd", lambda: self._ok(["sacctmgr", "-n", "list", "cluster"]))
        subprocess.run(["sacctmgr", "-i", "add", "cluster", CLUSTER], env=self.env,
                       capture_output=True)  # fails harmlessly when it exists
        self._spawn("slurmctld", [_sbin("slurmctld"), "-D", "-i"])
        self._wait("slurmctld", lambda: self._ok(["scontrol", "ping"]))
        self._spawn("slurmd", [_sbin("slurmd"), "-D"])
        self._wait("an idle node", lambda: "idle" in subprocess.run(
            ["sinfo", "-h", "-o", "%t"], env=self.env, capture_output=True,
            text=True).stdout)
        return self

    def stop(self) -> None:
        """Stop the daemons this object started (slurmd first, MariaDB and munge last)."""
        for name in ("slurmd", "slurmctld", "slurmdbd", "mariadbd", "munged"):
            p = self.procs.pop(name, None)
            if p is None or p.poll() is not None:
                continue
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def main(argv: list[str]) -> int:
    if argv[:1] == ["install"]:
        install()
        return 0
    if len(argv) == 2 and argv[0] == "start":
        c = Cluster(Path(argv[1])).start()
        print(f"export SLURM_CONF={c.conf}")
        for p in c.procs.values():  # leave the daemons running
            p.returncode = 0
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
