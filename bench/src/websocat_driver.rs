//! Drives `websocat` (a separate program) through its stdin and stdout, the way a shell user
//! does: each line written to its stdin becomes one text message, each message received comes
//! back as one line on its stdout.
//!
//! The websocat figures therefore include two pipe hops per direction (driver -> websocat ->
//! socket -> websocat -> driver); that is the honest cost of using it from another program, and
//! BENCHMARKS.md says so. The 1 MiB workload uses 1 MiB text lines (websocat's binary mode does
//! not keep message boundaries on a pipe), the other contenders use 1 MiB binary messages.
//!
//! Threads, not async: two blocking pipes are simplest with one thread each.

use std::io::{BufRead as _, BufReader, BufWriter, Read as _, Write as _};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::workload::{BIG_SIZE, Outcome, SMALL_PAYLOAD, Workload};

struct Websocat {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Drop for Websocat {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(websocat: &str, url: &str) -> anyhow::Result<Websocat> {
    let mut child = Command::new(websocat)
        // Text messages, one per line; messages up to 2 MiB so a 1 MiB line stays one message.
        .args(["--text", "--buffer-size", "2097152", url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {websocat}"))?;
    let stdin = child.stdin.take().context("websocat stdin")?;
    let stdout = BufReader::with_capacity(1 << 20, child.stdout.take().context("websocat stdout")?);
    Ok(Websocat {
        child,
        stdin,
        stdout,
    })
}

/// Runs `workload` through a websocat process connected to `url`.
pub fn run(websocat: &str, url: &str, workload: Workload) -> anyhow::Result<Outcome> {
    let mut peer = spawn(websocat, url)?;
    let small_line = format!("{SMALL_PAYLOAD}\n");
    let mut line = String::new();
    let mut echo = |peer: &mut Websocat| -> anyhow::Result<Duration> {
        let started = Instant::now();
        peer.stdin.write_all(small_line.as_bytes())?;
        peer.stdin.flush()?;
        line.clear();
        if peer.stdout.read_line(&mut line)? == 0 {
            anyhow::bail!("websocat closed its output");
        }
        Ok(started.elapsed())
    };
    // One echo first: it proves the connection is open before any clock starts.
    echo(&mut peer)?;
    match workload {
        Workload::RoundTrip { warmup, iterations } => {
            let mut samples = Vec::with_capacity(iterations as usize);
            for i in 0..warmup + iterations {
                let took = echo(&mut peer)?;
                if i >= warmup {
                    samples.push(took.as_nanos() as u64);
                }
            }
            Ok(Outcome::RoundTrip(samples))
        }
        Workload::Flood { messages } => {
            let (lines, elapsed) = pipelined(&mut peer, small_line.into_bytes(), messages)?;
            Ok(Outcome::Flood {
                messages: lines,
                elapsed,
            })
        }
        Workload::Big { messages } => {
            let mut big = vec![b'Z'; BIG_SIZE];
            big.push(b'\n');
            let (lines, elapsed) = pipelined(&mut peer, big, messages)?;
            Ok(Outcome::Big {
                bytes: lines * BIG_SIZE as u64,
                elapsed,
            })
        }
    }
}

/// Writes `count` copies of `line` from a thread while this thread counts echoed lines.
fn pipelined(peer: &mut Websocat, line: Vec<u8>, count: u64) -> anyhow::Result<(u64, Duration)> {
    let mut writer = BufWriter::with_capacity(1 << 16, peer.stdin.try_clone_for_writer()?);
    let started = Instant::now();
    let writing = std::thread::spawn(move || -> std::io::Result<()> {
        for _ in 0..count {
            writer.write_all(&line)?;
        }
        writer.flush()
    });
    let mut seen = 0_u64;
    let mut chunk = vec![0_u8; 1 << 20];
    while seen < count {
        let n = peer.stdout.read(&mut chunk)?;
        if n == 0 {
            anyhow::bail!("websocat closed its output after {seen} of {count} lines");
        }
        seen += chunk[..n].iter().filter(|&&b| b == b'\n').count() as u64;
    }
    let elapsed = started.elapsed();
    writing
        .join()
        .map_err(|_| anyhow::anyhow!("websocat writer thread panicked"))??;
    Ok((seen, elapsed))
}

/// A second handle on the child's stdin for the writer thread.
trait TryCloneForWriter {
    fn try_clone_for_writer(&self) -> anyhow::Result<std::fs::File>;
}

impl TryCloneForWriter for ChildStdin {
    fn try_clone_for_writer(&self) -> anyhow::Result<std::fs::File> {
        let owned: std::os::fd::OwnedFd = std::os::fd::AsFd::as_fd(self).try_clone_to_owned()?;
        Ok(std::fs::File::from(owned))
    }
}
