//! A real S3-compatible server on 127.0.0.1 for the CLI tests: moto, started once per test
//! binary. If it cannot start, the test fails and says how to install it; it is never skipped.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub struct Moto {
    port: u16,
    _child: ChildGuard,
    /// Held open for the life of the process: the server exits when it closes.
    _stdin: ChildStdin,
}

/// moto's server, exiting with the test process (shared with the other test suite).
const MOTO_SCRIPT: &str = include_str!("moto_server.py");

struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The shared server.
pub fn server() -> &'static Moto {
    static SERVER: OnceLock<Moto> = OnceLock::new();
    SERVER.get_or_init(start)
}

fn start() -> Moto {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = Command::new("python3")
        .args(["-c", MOTO_SCRIPT, &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot run python3 for moto's server: install it with python3 -m pip install 'moto[server]'");
    let stdin = child.stdin.take().expect("piped stdin");
    let guard = ChildGuard(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto server did not start on 127.0.0.1:{port} within 30 s: install it with python3 -m pip install 'moto[server]'"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Moto {
        port,
        _child: guard,
        _stdin: stdin,
    }
}

impl Moto {
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates `bucket` and puts each (key, local file), with boto3 (moto depends on it).
    pub fn upload(&self, bucket: &str, files: &[(String, PathBuf)]) {
        let pairs: Vec<String> = files
            .iter()
            .map(|(k, p)| format!("({k:?}, {:?})", p.to_string_lossy()))
            .collect();
        let script = format!(
            "import boto3\n\
             s3 = boto3.client('s3', endpoint_url={:?}, aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')\n\
             s3.create_bucket(Bucket={bucket:?})\n\
             for key, path in [{}]:\n    s3.put_object(Bucket={bucket:?}, Key=key, Body=open(path, 'rb').read())\n",
            self.endpoint(),
            pairs.join(", ")
        );
        let out = Command::new("python3")
            .args(["-c", &script])
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "upload to moto failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
