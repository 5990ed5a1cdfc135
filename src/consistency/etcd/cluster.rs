//! A real etcd cluster on 127.0.0.1, started and stopped by the program
//! that uses it.
//!
//! [`start`] launches `n` etcd processes, each with its own client and peer
//! port (free ports the OS handed out a moment before) and its own data
//! directory under one temporary directory. It returns once every member
//! answers a linearizable read, which needs an elected leader and a
//! majority. [`Cluster::kill`] sends a member SIGKILL (a crash, not a
//! shutdown), [`Cluster::restart`] brings it back on the same ports and
//! data, and dropping the [`Cluster`] (or [`Cluster::stop`]) kills and
//! reaps every process and removes the directory, also when a test panics.
//!
//! The timings are short so a test is quick: a heartbeat every 50 ms and
//! an election after 500 ms of silence (etcd's defaults are 100 ms and
//! 1000 ms).

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use etcd_client::{Client, ConnectOptions};
use tokio::time::{sleep, timeout};

/// How long [`start`] and [`Cluster::restart`] wait for members to serve.
pub const READY_DEADLINE: Duration = Duration::from_secs(20);

/// The deadline of each probe while waiting for members to serve.
const PROBE_DEADLINE: Duration = Duration::from_millis(500);

/// The pause between two rounds of probes.
const PROBE_PAUSE: Duration = Duration::from_millis(50);

/// Every data directory's name starts with this, so a test can look for
/// leftover processes by it.
pub const DIR_PREFIX: &str = "cookbook-etcd-";

/// What went wrong starting or driving the cluster.
#[derive(Debug)]
pub enum ClusterError {
    /// No etcd binary: neither `$ETCD` nor `etcd` on the `PATH`.
    NoBinary {
        /// Where we looked.
        looked: String,
    },
    /// A file or process operation failed.
    Io {
        /// What we were doing.
        what: String,
        /// The error.
        source: io::Error,
    },
    /// Members did not serve within the deadline.
    NotReady {
        /// How long we waited.
        after: Duration,
        /// Which members were not serving, and the last thing they said.
        detail: String,
    },
    /// A member index past the end, or a member in the wrong state.
    BadMember {
        /// What was asked.
        why: String,
    },
    /// Zero members, or so many that it makes no sense on one machine.
    BadSize {
        /// The requested size.
        nodes: usize,
    },
}

impl fmt::Display for ClusterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClusterError::NoBinary { looked } => write!(
                f,
                "etcd not found ({looked}): install it (Debian: apt-get install \
                 etcd-server) or set ETCD to its path"
            ),
            ClusterError::Io { what, source } => write!(f, "{what}: {source}"),
            ClusterError::NotReady { after, detail } => {
                write!(f, "etcd members not serving after {after:?}: {detail}")
            }
            ClusterError::BadMember { why } => write!(f, "{why}"),
            ClusterError::BadSize { nodes } => {
                write!(f, "a cluster needs 1 to {MAX_NODES} members, not {nodes}")
            }
        }
    }
}

impl std::error::Error for ClusterError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClusterError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The most members [`start`] accepts.
pub const MAX_NODES: usize = 9;

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> ClusterError {
    let what = what.into();
    move |source| ClusterError::Io { what, source }
}

/// The etcd binary: `$ETCD` if set, else the first `etcd` on the `PATH`.
pub fn etcd_binary() -> Result<PathBuf, ClusterError> {
    if let Some(path) = std::env::var_os("ETCD") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(ClusterError::NoBinary {
                looked: format!("ETCD={} is not a file", path.display()),
            })
        };
    }
    let dirs = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&dirs) {
        let candidate = dir.join("etcd");
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(ClusterError::NoBinary {
        looked: "ETCD unset, no etcd on PATH".to_string(),
    })
}

/// One member: its name, ports, data directory and process (if running).
#[derive(Debug)]
struct Member {
    name: String,
    client_port: u16,
    peer_port: u16,
    data_dir: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl Member {
    fn client_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    fn peer_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.peer_port)
    }

    /// SIGKILL and reap; no-op if not running.
    fn kill(&mut self) -> io::Result<()> {
        if let Some(mut child) = self.child.take() {
            // kill fails only if the process is already reaped or gone;
            // waiting afterwards reaps it either way.
            let _ = child.kill();
            child.wait()?;
        }
        Ok(())
    }
}

// ANCHOR: cluster
/// N etcd processes on 127.0.0.1. Every process is killed and reaped, and
/// the data removed, when the value is dropped.
#[derive(Debug)]
pub struct Cluster {
    root: PathBuf,
    binary: PathBuf,
    token: String,
    members: Vec<Member>,
    started_in: Duration,
}
// ANCHOR_END: cluster

/// Free ports on 127.0.0.1: bind `count` listeners to port 0 at once, read
/// what the OS chose, and close them. Another program could take one in the
/// moment between; etcd would then fail to start and say so.
fn free_ports(count: usize) -> Result<Vec<u16>, ClusterError> {
    let listeners = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<io::Result<Vec<_>>>()
        .map_err(io_err("binding 127.0.0.1:0 to find a free port"))?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<io::Result<Vec<_>>>()
        .map_err(io_err("reading a free port"))
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

// ANCHOR: start
/// Start `nodes` etcd members and wait (at most [`READY_DEADLINE`]) until
/// each one answers a linearizable read: there is a leader and a majority.
pub async fn start(nodes: usize) -> Result<Cluster, ClusterError> {
    if nodes == 0 || nodes > MAX_NODES {
        return Err(ClusterError::BadSize { nodes });
    }
    let binary = etcd_binary()?;
    let began = Instant::now();
    let suffix = unique_suffix();
    let root = std::env::temp_dir().join(format!("{DIR_PREFIX}{suffix}"));
    fs::create_dir_all(&root).map_err(io_err(format!("creating {}", root.display())))?;
    let ports = free_ports(2 * nodes)?;
    let members = (0..nodes)
        .map(|i| Member {
            name: format!("n{i}"),
            client_port: ports[2 * i],
            peer_port: ports[2 * i + 1],
            data_dir: root.join(format!("n{i}")),
            log: root.join(format!("n{i}.log")),
            child: None,
        })
        .collect();
    // From here on, Drop cleans up whatever was started.
    let mut cluster = Cluster {
        root,
        binary,
        token: format!("cookbook-{suffix}"),
        members,
        started_in: Duration::ZERO,
    };
    for i in 0..nodes {
        cluster.spawn(i, "new")?;
    }
    let all: Vec<usize> = (0..nodes).collect();
    cluster.wait_serving(&all, began).await?;
    cluster.started_in = began.elapsed();
    Ok(cluster)
}
// ANCHOR_END: start

impl Cluster {
    /// How long [`start`] took, from launching the processes to every
    /// member serving.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// How many members the cluster has, running or not.
    pub fn nodes(&self) -> usize {
        self.members.len()
    }

    /// Whether member `i` has a running process (as far as we know).
    pub fn is_up(&self, i: usize) -> bool {
        self.members.get(i).is_some_and(|m| m.child.is_some())
    }

    /// How many members have a running process.
    pub fn up(&self) -> usize {
        self.members.iter().filter(|m| m.child.is_some()).count()
    }

    /// The temporary directory holding every member's data and log.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every member's client URL (`http://127.0.0.1:PORT`), running or not.
    pub fn endpoints(&self) -> Vec<String> {
        self.members.iter().map(Member::client_url).collect()
    }

    /// Member `i`'s client URL. Panics if `i` is past the end, like
    /// indexing a slice.
    pub fn endpoint(&self, i: usize) -> String {
        self.members[i].client_url()
    }

    /// The OS process id of member `i`, if it runs.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.members.get(i)?.child.as_ref().map(Child::id)
    }

    fn member(&self, i: usize) -> Result<&Member, ClusterError> {
        self.members.get(i).ok_or_else(|| ClusterError::BadMember {
            why: format!("no member {i}: the cluster has {}", self.members.len()),
        })
    }

    fn spawn(&mut self, i: usize, state: &str) -> Result<(), ClusterError> {
        let initial_cluster = self
            .members
            .iter()
            .map(|m| format!("{}={}", m.name, m.peer_url()))
            .collect::<Vec<_>>()
            .join(",");
        let member = &self.members[i];
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&member.log)
            .map_err(io_err(format!("opening {}", member.log.display())))?;
        let log2 = log
            .try_clone()
            .map_err(io_err(format!("opening {}", member.log.display())))?;
        let client = member.client_url();
        let peer = member.peer_url();
        let child = Command::new(&self.binary)
            .arg("--name")
            .arg(&member.name)
            .arg("--data-dir")
            .arg(&member.data_dir)
            .args(["--listen-client-urls", &client])
            .args(["--advertise-client-urls", &client])
            .args(["--listen-peer-urls", &peer])
            .args(["--initial-advertise-peer-urls", &peer])
            .args(["--initial-cluster", &initial_cluster])
            .args(["--initial-cluster-token", &self.token])
            .args(["--initial-cluster-state", state])
            .args(["--heartbeat-interval", "50", "--election-timeout", "500"])
            .args(["--logger", "zap", "--log-outputs", "stderr"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(io_err(format!("starting {}", self.binary.display())))?;
        self.members[i].child = Some(child);
        Ok(())
    }

    /// The last lines of member `i`'s log, for error messages.
    fn log_tail(&self, i: usize) -> String {
        let mut text = String::new();
        if let Ok(mut f) = File::open(&self.members[i].log) {
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = f.seek(SeekFrom::Start(len.saturating_sub(600)));
            let _ = f.read_to_string(&mut text);
        }
        text.lines().last().unwrap_or("(empty log)").to_string()
    }

    /// Wait until each of `which` answers a linearizable read through its
    /// own endpoint, or [`READY_DEADLINE`] after `began` has passed.
    async fn wait_serving(
        &mut self,
        which: &[usize],
        began: Instant,
    ) -> Result<(), ClusterError> {
        let mut waiting: Vec<usize> = which.to_vec();
        let mut last_error = vec![String::new(); self.members.len()];
        while !waiting.is_empty() {
            let mut still = Vec::new();
            for &i in &waiting {
                // A member that exited will never serve: say why now.
                if let Some(child) = self.members[i].child.as_mut() {
                    if let Ok(Some(status)) = child.try_wait() {
                        self.members[i].child = None;
                        return Err(ClusterError::NotReady {
                            after: began.elapsed(),
                            detail: format!(
                                "{} exited ({status}): {}",
                                self.members[i].name,
                                self.log_tail(i)
                            ),
                        });
                    }
                }
                match probe(&self.members[i].client_url()).await {
                    Ok(()) => {}
                    Err(e) => {
                        last_error[i] = e;
                        still.push(i);
                    }
                }
            }
            waiting = still;
            if waiting.is_empty() {
                break;
            }
            if began.elapsed() > READY_DEADLINE {
                let detail = waiting
                    .iter()
                    .map(|&i| format!("{}: {}", self.members[i].name, last_error[i]))
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(ClusterError::NotReady {
                    after: began.elapsed(),
                    detail,
                });
            }
            sleep(PROBE_PAUSE).await;
        }
        Ok(())
    }

    // ANCHOR: kill
    /// Crash member `i`: SIGKILL, then reap the process. Its data stays.
    pub fn kill(&mut self, i: usize) -> Result<(), ClusterError> {
        let member = self.member(i)?;
        if member.child.is_none() {
            return Err(ClusterError::BadMember {
                why: format!("member {i} is not running"),
            });
        }
        let name = member.name.clone();
        self.members[i]
            .kill()
            .map_err(io_err(format!("killing {name}")))
    }
    // ANCHOR_END: kill

    // ANCHOR: restart
    /// Start member `i` again on its old ports and data
    /// (`--initial-cluster-state existing`) and return how long it took
    /// until it answered a linearizable read.
    pub async fn restart(&mut self, i: usize) -> Result<Duration, ClusterError> {
        let began = Instant::now();
        self.relaunch(i)?;
        self.wait_serving(&[i], began).await?;
        Ok(began.elapsed())
    }
    // ANCHOR_END: restart

    /// Start member `i` again like [`Cluster::restart`], without waiting:
    /// for watching it come back. [`Cluster::wait_until_serving`] waits.
    pub fn relaunch(&mut self, i: usize) -> Result<(), ClusterError> {
        if self.member(i)?.child.is_some() {
            return Err(ClusterError::BadMember {
                why: format!("member {i} is already running"),
            });
        }
        self.spawn(i, "existing")
    }

    /// Wait (at most [`READY_DEADLINE`]) until member `i` answers a
    /// linearizable read; returns how long that took.
    pub async fn wait_until_serving(
        &mut self,
        i: usize,
    ) -> Result<Duration, ClusterError> {
        self.member(i)?;
        let began = Instant::now();
        self.wait_serving(&[i], began).await?;
        Ok(began.elapsed())
    }

    /// Kill every member and remove the data. Dropping does the same; this
    /// says so at the call site.
    pub async fn stop(self) {
        drop(self);
    }

    fn shutdown(&mut self) {
        for member in &mut self.members {
            // Best effort: a process we cannot kill is already gone.
            let _ = member.kill();
        }
        let _ = fs::remove_dir_all(&self.root);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// One linearizable read through `endpoint` alone, with a deadline. Ok
/// means this member is in a cluster that has a leader and a majority.
async fn probe(endpoint: &str) -> Result<(), String> {
    let options = ConnectOptions::new()
        .with_connect_timeout(PROBE_DEADLINE)
        .with_timeout(PROBE_DEADLINE);
    let attempt = async {
        let mut client = Client::connect([endpoint], Some(options)).await?;
        client.get("cookbook/health", None).await?;
        Ok::<(), etcd_client::Error>(())
    };
    match timeout(PROBE_DEADLINE, attempt).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {PROBE_DEADLINE:?}")),
    }
}
