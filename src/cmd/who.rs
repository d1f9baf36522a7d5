//! `cnitrail who IP [--at TIME]`: every holder of an address, with the calls that prove it.

use super::scan::{exit_code, report, scan_into};
use crate::cli::WhoArgs;
use crate::exit::Code;
use crate::output::{Destination, default_format};
use crate::rows::{Row, write_rows};
use crate::terminal::say;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use cnitrail_core::source::window::parse_time;
use cnitrail_core::timeline::Interval;
use serde::Serialize;
use std::sync::Arc;

/// One holder of the address: the field names are a contract (README.md).
#[derive(Debug, Serialize)]
struct Holder {
    ip: String,
    eni_id: Arc<str>,
    instance_id: Option<Arc<str>>,
    subnet_id: Option<Arc<str>>,
    /// The delegated prefix the address was held through, when it was.
    prefix: Option<Arc<str>>,
    #[serde(serialize_with = "rfc3339_opt")]
    assigned_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339_opt")]
    released_at: Option<DateTime<Utc>>,
    start_known: bool,
    release_reason: &'static str,
    assign_event_id: Option<cnitrail_core::model::EventIdRef>,
    release_event_id: Option<cnitrail_core::model::EventIdRef>,
    actor: Option<&'static str>,
}

fn text(t: &Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

fn rfc3339_opt<S: serde::Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match text(t) {
        Some(t) => s.serialize_str(&t),
        None => s.serialize_none(),
    }
}

impl Row for Holder {
    fn header() -> Vec<&'static str> {
        vec![
            "ip",
            "eni_id",
            "instance_id",
            "subnet_id",
            "prefix",
            "assigned_at",
            "released_at",
            "start_known",
            "release_reason",
            "assign_event_id",
            "release_event_id",
            "actor",
        ]
    }

    fn cells(&self) -> Vec<String> {
        let o = |v: &Option<Arc<str>>| v.as_deref().unwrap_or_default().to_string();
        vec![
            self.ip.clone(),
            self.eni_id.to_string(),
            o(&self.instance_id),
            o(&self.subnet_id),
            o(&self.prefix),
            text(&self.assigned_at).unwrap_or_default(),
            text(&self.released_at).unwrap_or_default(),
            self.start_known.to_string(),
            self.release_reason.to_string(),
            self.assign_event_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            self.release_event_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            self.actor.unwrap_or_default().to_string(),
        ]
    }
}

fn holder(ip: &str, iv: Interval) -> Holder {
    Holder {
        ip: ip.to_string(),
        prefix: iv.prefix.then(|| iv.address.clone()),
        eni_id: iv.eni_id,
        instance_id: iv.instance_id,
        subnet_id: iv.subnet_id,
        assigned_at: iv.assigned_at,
        released_at: iv.released_at,
        start_known: iv.start_known,
        release_reason: iv.release_reason.as_str(),
        assign_event_id: iv.assign_event_id,
        release_event_id: iv.release_event_id,
        actor: iv.actor.map(|a| a.as_str()),
    }
}

pub fn run(args: WhoArgs) -> Result<Code> {
    let ip: std::net::IpAddr = args
        .ip
        .parse()
        .with_context(|| format!("{:?} is not an IP address", args.ip))?;
    let ip = ip.to_string();
    let at = args
        .at
        .as_deref()
        .map(|t| parse_time(t, Utc::now()))
        .transpose()
        .context("--at")?;
    let mut builder = args.order.builder()?;
    let summary = scan_into(&args.input, &args.output, &mut builder)?;
    let holders: Vec<Holder> = builder
        .finish()
        .intervals
        .into_iter()
        .filter(|iv| match at {
            Some(at) => iv.holds_at(&ip, at),
            None => iv.covers(&ip),
        })
        .map(|iv| holder(&ip, iv))
        .collect();
    if holders.is_empty() {
        match at {
            Some(at) => say!(
                "cnitrail: no ENI held {ip} at {} in the input",
                at.format("%Y-%m-%dT%H:%M:%SZ")
            ),
            None => say!("cnitrail: no ENI held {ip} in the input"),
        }
    }
    let dest = Destination::new(args.output.output.as_deref());
    let format = args.output.format.unwrap_or_else(|| default_format(&dest));
    if let Err(e) = write_rows(format, &dest, &holders, None).and_then(|()| dest.commit()) {
        dest.abandon();
        return Err(e);
    }
    report(&summary, args.output.stats, args.output.quiet)?;
    Ok(exit_code(&summary))
}
