//! Test helper: a real PostgreSQL server of our own on 127.0.0.1 and a free port, in a
//! temporary directory (initdb, then `pg_ctl start`), stopped and removed when dropped. Run as
//! root (CI), the server runs as the `postgres` user, since initdb refuses root. Shared by the
//! library's unit tests and the end-to-end tests; std and tempfile only.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The directory of PostgreSQL's server programs: the newest `/usr/lib/postgresql/*/bin`, or
/// `initdb` on PATH. Panics with the way to get it when missing: these tests must not pass
/// silently on a machine without PostgreSQL.
pub fn server_bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
    });
    on_path.unwrap_or_else(|| {
        panic!("PostgreSQL (initdb, pg_ctl) is not installed: run scripts/test.sh, which installs the postgresql package")
    })
}

/// The uid and gid of the `postgres` user, from /etc/passwd.
fn postgres_user_ids() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&"postgres") && fields.len() > 3)
            .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
            .flatten()
    })
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A running PostgreSQL server; the database `postgres`, user `postgres`, trust auth on
/// loopback.
pub struct PgServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_postgres: bool,
    pub port: u16,
    running: bool,
}

impl PgServer {
    pub fn start() -> PgServer {
        PgServer::start_with(None)
    }

    /// A server that also offers TLS with this certificate and key (PEM).
    pub fn start_tls(cert_pem: &str, key_pem: &str) -> PgServer {
        PgServer::start_with(Some((cert_pem, key_pem)))
    }

    fn start_with(tls: Option<(&str, &str)>) -> PgServer {
        let bin = server_bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("bcmhcl-pg-")
            .tempdir()
            .expect("temporary directory");
        let as_postgres = running_as_root();
        if as_postgres {
            let (uid, gid) = postgres_user_ids()
                .expect("running as root needs the postgres user: run scripts/test.sh, which installs the postgresql package");
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .expect("chown the server directory");
        }
        let mut server = PgServer {
            dir,
            bin,
            as_postgres,
            port: 0,
            running: false,
        };
        let data = server.data_dir();
        let out = server.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
        );
        assert!(out.status.success(), "initdb failed: {}", text(&out));
        let mut tls_options = String::new();
        if let Some((cert, key)) = tls {
            use std::os::unix::fs::PermissionsExt;
            for (name, pem) in [("server.crt", cert), ("server.key", key)] {
                let path = data.join(name);
                std::fs::write(&path, pem).expect("write the server's TLS files");
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
                if let Some((uid, gid)) = postgres_user_ids().filter(|_| as_postgres) {
                    std::os::unix::fs::chown(&path, Some(uid), Some(gid)).unwrap();
                }
            }
            tls_options =
                " -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key".to_string();
        }
        // A free port can be taken between our probe and the server's bind: try a few.
        let mut last = String::new();
        for _ in 0..5 {
            server.port = free_port();
            let options = format!(
                "-h 127.0.0.1 -p {} -k {} -c fsync=off -c full_page_writes=off -c synchronous_commit=off{tls_options}",
                server.port,
                server.dir.path().display()
            );
            let log = server.dir.path().join("server.log");
            let out = server.run(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-l",
                    log.to_str().unwrap(),
                    "-o",
                    &options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            );
            if out.status.success() {
                server.running = true;
                return server;
            }
            last = format!(
                "{}\n{}",
                text(&out),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        panic!("PostgreSQL did not start: {last}");
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs one of the server programs, as the postgres user when we are root.
    fn run(&self, program: &str, args: &[&str]) -> Output {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        command
            .args(args)
            .env_remove("PGDATA")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
    }

    /// A URL for the `postgres` database as user `postgres`, without TLS.
    pub fn url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }

    /// Runs SQL with psql and returns its output (unaligned, tuples only).
    pub fn psql(&self, sql: &str) -> String {
        let out = self.run(
            "psql",
            &[
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                sql,
            ],
        );
        assert!(out.status.success(), "psql failed on {sql}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    /// Stops the server now (immediate shutdown, as a crash would).
    pub fn stop(&mut self) {
        if !self.running {
            return;
        }
        let data = self.data_dir();
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        self.running = false;
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
