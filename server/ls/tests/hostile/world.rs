//! The world a hostile case runs in, and the measurements every case makes.
//!
//! A world is a temporary directory holding a cloned `project/` (it has `.git`, so it is the
//! project root) and an `outside/` directory standing for the rest of the user's disk, with
//! files a hostile project would like to read or overwrite. Every case ends by checking that
//! nothing under `outside/` changed, byte for byte.
//!
//! Processes are the real `void-ls` binary. A command-line run is measured for its peak
//! resident memory (the kernel's `ru_maxrss`, read by a small Python wrapper once it ended)
//! against [`MEMORY_CAP_KIB`], and runs under a hard virtual-memory limit ([`VIRTUAL_CAP_KIB`])
//! so a runaway read fails instead of taking the machine with it; it is killed after
//! [`CLI_DEADLINE`]. The language server's memory is read from `/proc` while it runs.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The most resident memory a `void-ls` process may use in any hostile case. Measured peaks
/// are 13 to 22 MiB (the debug build); reading `/dev/zero` into memory used to reach 23 GB.
pub const MEMORY_CAP_KIB: u64 = 160 * 1024;
/// The hard limit on address space (runtimes reserve far more virtual memory than they use).
pub const VIRTUAL_CAP_KIB: u64 = 4 * 1024 * 1024;
/// A command-line run that takes longer than this is stuck (a pipe blocks it) and is killed.
pub const CLI_DEADLINE: Duration = Duration::from_secs(30);
/// How long the language server may take to answer a request after a hostile action.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(1);

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_void-ls")
}

pub fn fixture_text(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/hostile/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What a file looked like: its kind, and its bytes (or a symlink's target).
type Snapshot = BTreeMap<PathBuf, (String, Vec<u8>)>;

pub struct World {
    base: tempfile::TempDir,
    pub project: PathBuf,
    pub outside: PathBuf,
    before: Snapshot,
}

impl World {
    /// A project and an outside with files worth protecting.
    pub fn new() -> World {
        let base = tempfile::tempdir().expect("temp dir");
        let project = base.path().join("project");
        let outside = base.path().join("outside");
        std::fs::create_dir_all(project.join(".git")).expect("project");
        std::fs::create_dir_all(&outside).expect("outside");
        std::fs::write(outside.join("important.txt"), "the user's own notes\n").expect("write");
        std::fs::write(
            outside.join("secrets.env"),
            "HOME_TOKEN=outside-secret-value\nPROBE=from-outside\n",
        )
        .expect("write");
        std::fs::write(outside.join("ca.pem"), "not a certificate\n").expect("write");
        std::fs::write(
            outside.join("evil.void"),
            fixture_text("env_probe.void").replace("# A file", "# Evil file"),
        )
        .expect("write");
        let before = snapshot(&outside);
        World {
            base,
            project,
            outside,
            before,
        }
    }

    pub fn base(&self) -> &Path {
        self.base.path()
    }

    /// Writes `text` at `rel` in the project (directories created).
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.project.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("dir");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    /// Copies a fixture into the project; its path and text.
    pub fn fixture(&self, name: &str) -> (PathBuf, String) {
        let text = fixture_text(name);
        (self.write(name, &text), text)
    }

    /// A named pipe at `rel` in the project.
    pub fn fifo(&self, rel: &str) -> PathBuf {
        let path = self.project.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("dir");
        }
        let status = Command::new("mkfifo").arg(&path).status().expect("mkfifo");
        assert!(status.success(), "mkfifo {}", path.display());
        path
    }

    /// A symlink at `rel` in the project pointing at `target` (as written).
    pub fn symlink(&self, target: impl AsRef<Path>, rel: &str) -> PathBuf {
        let path = self.project.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("dir");
        }
        std::os::unix::fs::symlink(target, &path).expect("symlink");
        path
    }

    /// `void-ls args...` in `cwd` ([`run_cli`]), with the user's cache (default transcripts)
    /// inside the world; the calling async test's worker may block meanwhile.
    pub fn cli(&self, cwd: &Path, args: &[&str]) -> Ran {
        let cache = self.base().join("cache");
        let cache = cache.to_string_lossy().into_owned();
        tokio::task::block_in_place(|| run_cli(cwd, args, &[("XDG_CACHE_HOME", &cache)]))
    }

    /// Nothing under `outside/` changed, nothing appeared beside the project, and the literal
    /// absolute path the fixtures name was not written.
    pub fn assert_outside_unchanged(&self) {
        let after = snapshot(&self.outside);
        assert_eq!(
            self.before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "files appeared or vanished outside the project"
        );
        for (path, was) in &self.before {
            assert_eq!(&after[path], was, "{} changed", path.display());
        }
        let beside: Vec<String> = std::fs::read_dir(self.base())
            .expect("base")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "project" && n != "outside" && n != "cache" && n != "stderr.log")
            .collect();
        assert!(beside.is_empty(), "written beside the project: {beside:?}");
        assert!(
            !Path::new("/tmp/void-ls-hostile-absolute.jsonl").exists(),
            "an absolute transcript path was written"
        );
    }
}

/// Every entry under `dir`, symlinks not followed.
fn snapshot(dir: &Path) -> Snapshot {
    let mut out = Snapshot::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let path = entry.path();
            let kind = entry.file_type().expect("file type");
            let state = if kind.is_symlink() {
                let target = std::fs::read_link(&path).expect("readlink");
                (
                    "symlink".to_string(),
                    target.into_os_string().into_encoded_bytes(),
                )
            } else if kind.is_dir() {
                pending.push(path.clone());
                ("dir".to_string(), Vec::new())
            } else {
                ("file".to_string(), std::fs::read(&path).expect("read"))
            };
            out.insert(path, state);
        }
    }
    out
}

/// A finished command-line run.
#[derive(Debug)]
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub peak_rss_kib: u64,
    pub elapsed: Duration,
}

impl Ran {
    /// The run ended by itself, quickly, with `code`, under the memory cap.
    pub fn assert_bounded(&self, code: i32, what: &str) {
        assert_eq!(self.code, Some(code), "{what}: {self:#?}");
        assert!(
            self.peak_rss_kib <= MEMORY_CAP_KIB,
            "{what}: peak memory {} KiB over the {MEMORY_CAP_KIB} KiB cap",
            self.peak_rss_kib
        );
    }
}

/// The peak resident memory of a live process, in KiB (`VmHWM`).
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs a command under an address-space limit and, when it has ended, writes the peak
/// resident memory of that process (its `ru_maxrss`, exact, where sampling `/proc` can miss a
/// run of a few milliseconds) to a file; exits as the command did.
const MEASURED: &str = r#"
import os, resource, signal, sys
limit, report, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
pid = os.fork()
if pid == 0:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.execv(command[0], command)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as f:
    f.write(str(usage.ru_maxrss))
if os.WIFSIGNALED(status):
    signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.WEXITSTATUS(status))
"#;

/// Runs `void-ls args...` in `cwd` under the virtual-memory limit, measures its peak memory,
/// and kills it (its whole process group) after [`CLI_DEADLINE`].
pub fn run_cli(cwd: &Path, args: &[&str], envs: &[(&str, &str)]) -> Ran {
    use std::os::unix::process::CommandExt as _;
    let report = tempfile::NamedTempFile::new().expect("memory report file");
    let mut command = Command::new("python3");
    command
        .args(["-S", "-c"])
        .arg(MEASURED)
        .arg((VIRTUAL_CAP_KIB * 1024).to_string())
        .arg(report.path())
        .arg(bin())
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    for (k, v) in envs {
        command.env(k, v);
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("python3 and void-ls start");
    let group = child.id();
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > CLI_DEADLINE {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{group}")])
                .status();
            let _ = child.wait();
            panic!("void-ls {args:?} did not finish within {CLI_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let peak = std::fs::read_to_string(report.path())
        .ok()
        .and_then(|kib| kib.trim().parse().ok())
        .unwrap_or_else(|| panic!("void-ls {args:?}: no memory measurement (exit {status})"));
    let ran = Ran {
        code: status.code(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        peak_rss_kib: peak,
        elapsed: started.elapsed(),
    };
    eprintln!(
        "--- void-ls {args:?}: exit {:?} in {:?}, peak {} KiB\n--- stdout\n{}\n--- stderr\n{}",
        ran.code, ran.elapsed, ran.peak_rss_kib, ran.stdout, ran.stderr
    );
    ran
}

/// The language server binary as a command for the test client, its log at `trace` into
/// `stderr_log`, its cache (default transcripts) under `cache`.
pub fn server_command(stderr_log: &Path, cache: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(bin());
    command
        .env("VOID_LS_LOG", "trace")
        .env("XDG_CACHE_HOME", cache)
        .stderr(std::fs::File::create(stderr_log).expect("stderr log"));
    command
}

/// Every form a secret value may leak in, computed here independently of the masker: raw,
/// percent-encoded (as a URL component, as a form, and lightly as URL libraries leave a raw
/// query), JSON-escaped (plain and ASCII-only), and base64.
pub fn leak_forms(secret: &str) -> Vec<String> {
    use base64::Engine as _;
    let component: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let light: String = secret
        .bytes()
        .map(|b| {
            if b == b' ' || b >= 0x80 || b == b'"' {
                format!("%{b:02X}")
            } else {
                (b as char).to_string()
            }
        })
        .collect();
    let json = serde_json::to_string(secret).expect("json");
    let json = json.trim_matches('"').to_string();
    let ascii_json: String = secret
        .chars()
        .map(|c| match c {
            '"' => "\\\"".to_string(),
            '\\' => "\\\\".to_string(),
            c if c.is_ascii() => c.to_string(),
            c => {
                let mut units = [0u16; 2];
                c.encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect()
            }
        })
        .collect();
    let mut forms = vec![
        secret.to_string(),
        component.clone(),
        component.to_lowercase(),
        form,
        light,
        json,
        ascii_json,
        base64::engine::general_purpose::STANDARD.encode(secret),
    ];
    forms.sort();
    forms.dedup();
    forms
}

/// No form of any of `secrets` (nor of `extra`, already encoded values such as a Basic
/// header's credentials) appears in `output`.
pub fn assert_no_secret(what: &str, output: &[u8], secrets: &[&str], extra: &[String]) {
    let text = String::from_utf8_lossy(output);
    for secret in secrets {
        for form in leak_forms(secret) {
            assert!(
                !text.contains(&form),
                "{what}: the secret {secret:?} appears as {form:?}"
            );
        }
    }
    for form in extra {
        assert!(!text.contains(form.as_str()), "{what}: {form:?} appears");
    }
}
