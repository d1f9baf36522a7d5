//! The report as a real browser sees it: headless Chromium renders it, takes a screenshot,
//! dumps the DOM it built, and logs any console message (script errors, Content-Security-Policy
//! violations) to stderr.
//!
//! Chromium is required, not optional: without it these tests fail and say how to install it
//! (Debian package `chromium`; `.ci/run` installs it). Set `CHROMIUM` to use another binary, and
//! `CNITRAIL_HTML_ARTIFACTS` to a directory to keep the page and screenshot for a look.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cnitrail_html::render;
use common::hostile_report;

/// A browser that hangs must not hang CI.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(path);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|candidate| candidate.is_file())
    });
    on_path.unwrap_or_else(|| {
        panic!(
            "Chromium is needed for the HTML report's browser test and was not found: install \
             the Debian package `chromium` (apt-get install -y chromium; .ci/run does this), or \
             set CHROMIUM to the browser's path"
        )
    })
}

/// What one headless Chromium run produced.
struct Run {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium on `page` with the extra `args`, killing it after
/// [`BROWSER_TIMEOUT`]. Output goes to files rather than pipes, so that a chatty browser can
/// never block on a full pipe while we wait for it.
fn run_chromium(page: &Path, scratch: &Path, args: &[String]) -> Run {
    let profile = tempfile::tempdir_in(scratch).expect("a profile directory");
    let stdout_path = scratch.join("stdout.txt");
    let stderr_path = scratch.join("stderr.txt");
    let stdout = std::fs::File::create(&stdout_path).expect("stdout file");
    let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            // Containers run tests as root, where Chromium's sandbox cannot start.
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            // Keep the browser itself off the network too: the test must not depend on it.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // Console messages (script errors, CSP violations) are logged to stderr.
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
            "--window-size=1280,4200",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "could not start Chromium ({e}): install the Debian package `chromium` or set \
                 CHROMIUM to the browser's path"
            )
        });
    let started = Instant::now();
    let status = loop {
        match child.try_wait().expect("waiting for Chromium") {
            Some(status) => break status,
            None if started.elapsed() > BROWSER_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("Chromium did not finish within {BROWSER_TIMEOUT:?}");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let run = Run {
        stdout: std::fs::read_to_string(&stdout_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&stderr_path).unwrap_or_default(),
    };
    assert!(
        status.success(),
        "Chromium failed ({status}):\n{}",
        run.stderr
    );
    run
}

/// The console messages Chromium logged: any at all is a failure, since the page has no
/// script. Chromium's wording has changed over versions ("Refused to ..." became "... violates
/// the following Content Security Policy directive"), so several markers are matched; the
/// `the_console_check_catches_*` tests prove that the check still fires.
fn console_messages(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|line| {
            line.contains(":CONSOLE")
                || line.contains("Uncaught")
                || line.contains("Refused to")
                || line.contains("Content Security Policy")
        })
        .collect()
}

fn write_page(dir: &Path, html: &str) -> PathBuf {
    let page = dir.join("report.html");
    std::fs::write(&page, html).expect("page written");
    page
}

/// Keeps a copy of a file for a human to look at, when asked to.
fn keep(file: &Path) {
    if let Some(dir) = std::env::var_os("CNITRAIL_HTML_ARTIFACTS") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("artifacts directory");
        let name = file.file_name().expect("a file name");
        std::fs::copy(file, dir.join(name)).expect("artifact copied");
    }
}

#[test]
fn chromium_renders_the_report_without_console_errors() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let html = render(&hostile_report());
    let page = write_page(dir.path(), &html);
    keep(&page);

    // The screenshot: the page paints, and paints more than a blank sheet.
    let screenshot = dir.path().join("report.png");
    let shot = run_chromium(
        &page,
        dir.path(),
        &[format!("--screenshot={}", screenshot.display())],
    );
    let png = std::fs::read(&screenshot).expect("Chromium wrote no screenshot");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is not a PNG"
    );
    assert!(
        png.len() > 50_000,
        "the screenshot is only {} bytes: the page looks blank",
        png.len()
    );
    keep(&screenshot);
    assert_eq!(console_messages(&shot.stderr), Vec::<&str>::new());

    // The DOM the browser built from the page.
    let dom = run_chromium(&page, dir.path(), &["--dump-dom".into()]);
    let errors = console_messages(&dom.stderr);
    assert!(
        errors.is_empty(),
        "console messages:\n{}",
        errors.join("\n")
    );
    let dom = dom.stdout;
    assert!(dom.contains("<main>"), "no DOM dumped:\n{}", dom);
    // Three subnets, churn and throttling: five charts, each with its drawn shapes.
    let charts: Vec<&str> = dom.split("<svg").skip(1).collect();
    assert_eq!(charts.len(), 5, "charts in the DOM");
    for chart in &charts {
        let shapes = chart.matches("<path").count()
            + chart.matches("<polyline").count()
            + chart.matches("<rect").count()
            + chart.matches("<polygon").count();
        assert!(shapes > 3, "a chart with almost nothing drawn");
        assert!(chart.contains("<text"), "a chart without labels");
    }
    assert!(dom.matches("<rect").count() >= 60, "the churn chart's bars");
    assert!(
        dom.matches("<polyline").count() >= 3,
        "the throttling lines"
    );
    // The hostile strings were parsed as text: no element came out of them.
    let lower = dom.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "a script element in the DOM");
    assert!(!lower.contains("<img"), "an img element in the DOM");
    assert!(lower.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(dom.contains("Content-Security-Policy"));
}

/// Renders the report with something inserted right after `<body>`, and returns the console
/// messages Chromium logged for it.
fn console_messages_with(insertion: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let html = render(&hostile_report()).replacen("<body>", &format!("<body>{insertion}"), 1);
    let page = write_page(dir.path(), &html);
    let run = run_chromium(&page, dir.path(), &["--dump-dom".into()]);
    console_messages(&run.stderr)
        .into_iter()
        .map(String::from)
        .collect()
}

#[test]
fn the_console_check_catches_a_blocked_script() {
    // What a missed escape would look like: the page's policy blocks it, and says so.
    let messages = console_messages_with("<script>alert(1)</script>");
    assert!(
        !messages.is_empty(),
        "a script blocked by the CSP went unnoticed: the console check is broken"
    );
}

#[test]
fn the_console_check_catches_a_blocked_fetch() {
    let messages = console_messages_with(r#"<img src="https://example.invalid/pixel.png">"#);
    assert!(
        !messages.is_empty(),
        "an image blocked by the CSP went unnoticed: the console check is broken"
    );
}
