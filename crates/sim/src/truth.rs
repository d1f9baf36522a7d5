//! The ground truth: what really happened in the simulated AWS account, fed by [`crate::aws`] as
//! state changes, so that what cnitrail rebuilds from the trail can be checked against it.
//!
//! Written beside the trail (e.g. `DIR/truth/`) by [`Truth::to_dir`], as JSON lines, one file per
//! table; every time is a `YYYY-MM-DDTHH:MM:SSZ` string like CloudTrail's `eventTime`.
//! [`Truth::in_memory`] keeps the same rows in [`Tables`] instead (tests, small runs).
//!
//! `addresses.jsonl`: one row per holding interval of an address or a delegated prefix on an ENI,
//! written when it ends (and at [`Truth::finish`] for those still held):
//!
//! | field | meaning |
//! |---|---|
//! | `address` | `10.0.3.7` or, for a prefix, `10.0.3.16/28` |
//! | `family` | `ipv4` |
//! | `prefix` | true for a delegated prefix |
//! | `size` | addresses covered (1 or 16) |
//! | `primary` | the ENI's primary address |
//! | `eni_id`, `subnet_id` | where it was held |
//! | `instance_id` | the instance the ENI belonged to at the start: attached to, or the node whose CNI created it; null for other actors' unattached ENIs |
//! | `holder` | `node` (an instance's primary ENI address, from RunInstances), `cni` (taken by ipamd's calls), `other` (load balancers, Lambda, endpoints, operators) |
//! | `start`, `end` | held from `start` (the call's time) until `end`; `end` null if still held when the run ended |
//! | `end_reason` | `unassigned`, `eni-deleted`, `instance-terminated`, `open` |
//!
//! `enis.jsonl`: one row per ENI, written when it is deleted (or at the end): `eni_id`,
//! `subnet_id`, `holder`, `owner_instance` (the node whose CNI created it, or the instance it was
//! launched with), `description`, `created`, `attachments` (list of `attachment_id`,
//! `instance_id`, `device_index`, `network_card_index`, `attached`, `detached` (null if still
//! attached), `delete_on_termination`), `deleted` (null if it outlived the run), `end_reason`
//! (`deleted`, `instance-terminated`, `open`).
//!
//! `calls.jsonl`: every EC2 call made: `time`, `api` (eventName), `caller` (`cni:<instance-id>`,
//! `autoscaling`, `load-balancer`, `lambda`, `vpc-endpoint`, `resource-controller`, `operator`),
//! `error` (CloudTrail's `errorCode`, or null).
//!
//! `throttles.jsonl`: the calls refused with `Client.RequestLimitExceeded`: `time`, `api`,
//! `caller`.
//!
//! `usage.jsonl`: per subnet and minute, the state at the start of that minute (after every call
//! of an earlier second): `subnet_id`, `minute`, `usable` (size minus the 5 reserved addresses),
//! `node`, `cni`, `other` (addresses held by each holder kind, a prefix counting 16), `free`.

use crate::ec2::{ApiError, Caller, OtherActor, Prefix4, Time};
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

fn ser_time<S: Serializer>(t: &Time, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::cloudtrail::time_string(*t))
}

fn ser_opt_time<S: Serializer>(t: &Option<Time>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&crate::cloudtrail::time_string(*t)),
        None => s.serialize_none(),
    }
}

/// Who holds an address, by how it was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HolderKind {
    /// An instance's primary address, given by RunInstances.
    Node,
    /// Taken by ipamd's calls.
    Cni,
    /// Anyone else (load balancers, Lambda, endpoints, operators).
    Other,
}

impl HolderKind {
    /// The holder kind of what `caller` takes.
    pub fn of(caller: &Caller) -> Self {
        match caller {
            Caller::Cni { .. } => HolderKind::Cni,
            Caller::Other(OtherActor::AutoScaling) => HolderKind::Node,
            Caller::Other(_) => HolderKind::Other,
        }
    }
}

/// Why a holding interval ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndReason {
    /// UnassignPrivateIpAddresses.
    Unassigned,
    /// DeleteNetworkInterface.
    EniDeleted,
    /// TerminateInstances took the delete-on-termination ENI with it.
    InstanceTerminated,
    /// Still held when the run ended.
    Open,
}

/// One address or prefix held by one ENI over one interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressInterval {
    /// `10.0.3.7` or `10.0.3.16/28`.
    pub address: String,
    /// `ipv4`.
    pub family: &'static str,
    /// A delegated prefix.
    pub prefix: bool,
    /// Addresses covered.
    pub size: u32,
    /// The ENI's primary address.
    pub primary: bool,
    /// ENI.
    pub eni_id: String,
    /// The instance the ENI belonged to when the interval started.
    pub instance_id: Option<String>,
    /// Subnet.
    pub subnet_id: String,
    /// Holder kind.
    pub holder: HolderKind,
    /// Start.
    #[serde(serialize_with = "ser_time")]
    pub start: Time,
    /// End (`None`: held at the end of the run).
    #[serde(serialize_with = "ser_opt_time")]
    pub end: Option<Time>,
    /// Why it ended.
    pub end_reason: EndReason,
}

/// One attachment of an ENI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentLife {
    /// `eni-attach-…`.
    pub attachment_id: String,
    /// Instance.
    pub instance_id: String,
    /// Device index.
    pub device_index: u32,
    /// Network card index.
    pub network_card_index: u32,
    /// Attached at.
    #[serde(serialize_with = "ser_time")]
    pub attached: Time,
    /// Detached at (`None`: attached until deletion or the end).
    #[serde(serialize_with = "ser_opt_time")]
    pub detached: Option<Time>,
    /// Delete-on-termination at the end of the attachment.
    pub delete_on_termination: bool,
}

/// Why an ENI's life ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EniEnd {
    /// DeleteNetworkInterface.
    Deleted,
    /// With its instance.
    InstanceTerminated,
    /// Outlived the run.
    Open,
}

/// One ENI's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EniLife {
    /// `eni-…`.
    pub eni_id: String,
    /// Subnet.
    pub subnet_id: String,
    /// Holder kind of its creator.
    pub holder: HolderKind,
    /// The node whose CNI created it, or its instance for a primary ENI.
    pub owner_instance: Option<String>,
    /// Description.
    pub description: String,
    /// Created at.
    #[serde(serialize_with = "ser_time")]
    pub created: Time,
    /// Attachments in order.
    pub attachments: Vec<AttachmentLife>,
    /// Deleted at.
    #[serde(serialize_with = "ser_opt_time")]
    pub deleted: Option<Time>,
    /// How it ended.
    pub end_reason: EniEnd,
}

/// One EC2 call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRow {
    /// When.
    #[serde(serialize_with = "ser_time")]
    pub time: Time,
    /// eventName.
    pub api: &'static str,
    /// See the module docs.
    pub caller: String,
    /// errorCode.
    pub error: Option<&'static str>,
}

/// One throttled call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThrottleRow {
    /// When.
    #[serde(serialize_with = "ser_time")]
    pub time: Time,
    /// eventName.
    pub api: &'static str,
    /// See the module docs.
    pub caller: String,
}

/// A subnet's use at the start of a minute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageRow {
    /// Subnet.
    pub subnet_id: String,
    /// The minute.
    #[serde(serialize_with = "ser_time")]
    pub minute: Time,
    /// Usable addresses.
    pub usable: u32,
    /// Held by instances' primary addresses.
    pub node: u32,
    /// Held by the CNI.
    pub cni: u32,
    /// Held by others.
    pub other: u32,
    /// Free.
    pub free: u32,
}

/// The tables of an in-memory truth.
#[derive(Debug, Default, Clone)]
pub struct Tables {
    /// Closed (and, after finish, open) holding intervals.
    pub intervals: Vec<AddressInterval>,
    /// ENI lives.
    pub enis: Vec<EniLife>,
    /// Every call.
    pub calls: Vec<CallRow>,
    /// Throttled calls.
    pub throttles: Vec<ThrottleRow>,
    /// Per-minute subnet use.
    pub usage: Vec<UsageRow>,
}

struct Files {
    addresses: BufWriter<File>,
    enis: BufWriter<File>,
    calls: BufWriter<File>,
    throttles: BufWriter<File>,
    usage: BufWriter<File>,
}

enum Sink {
    Memory(Tables),
    Files(Box<Files>),
}

fn line<T: Serialize>(w: &mut BufWriter<File>, row: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *w, row)?;
    w.write_all(b"\n")
}

impl Sink {
    fn interval(&mut self, r: AddressInterval) -> io::Result<()> {
        match self {
            Sink::Memory(t) => {
                t.intervals.push(r);
                Ok(())
            }
            Sink::Files(f) => line(&mut f.addresses, &r),
        }
    }
    fn eni(&mut self, r: EniLife) -> io::Result<()> {
        match self {
            Sink::Memory(t) => {
                t.enis.push(r);
                Ok(())
            }
            Sink::Files(f) => line(&mut f.enis, &r),
        }
    }
    fn call(&mut self, r: CallRow) -> io::Result<()> {
        match self {
            Sink::Memory(t) => {
                t.calls.push(r);
                Ok(())
            }
            Sink::Files(f) => line(&mut f.calls, &r),
        }
    }
    fn throttle(&mut self, r: ThrottleRow) -> io::Result<()> {
        match self {
            Sink::Memory(t) => {
                t.throttles.push(r);
                Ok(())
            }
            Sink::Files(f) => line(&mut f.throttles, &r),
        }
    }
    fn usage(&mut self, r: UsageRow) -> io::Result<()> {
        match self {
            Sink::Memory(t) => {
                t.usage.push(r);
                Ok(())
            }
            Sink::Files(f) => line(&mut f.usage, &r),
        }
    }
}

struct SubnetCount {
    id: String,
    usable: u32,
    by_kind: [u32; 3],
}

fn kind_index(k: HolderKind) -> usize {
    match k {
        HolderKind::Node => 0,
        HolderKind::Cni => 1,
        HolderKind::Other => 2,
    }
}

/// The caller as the truth tables name it.
pub fn caller_name(c: &Caller) -> String {
    match c {
        Caller::Cni { instance_id, .. } => format!("cni:{instance_id}"),
        Caller::Other(a) => match a {
            OtherActor::AutoScaling => "autoscaling",
            OtherActor::LoadBalancer => "load-balancer",
            OtherActor::Lambda => "lambda",
            OtherActor::VpcEndpoint => "vpc-endpoint",
            OtherActor::ResourceController => "resource-controller",
            OtherActor::Operator => "operator",
        }
        .to_string(),
    }
}

/// Collects the ground truth as [`crate::aws::Aws`] changes state. Only open intervals and ENIs
/// are held; finished rows go straight to the sink, so memory stays bounded in file mode.
pub struct Truth {
    sink: Sink,
    open_addrs: BTreeMap<(String, u32, u8), AddressInterval>,
    open_enis: BTreeMap<String, EniLife>,
    subnets: Vec<SubnetCount>,
    subnet_index: HashMap<String, usize>,
    next_minute: Option<Time>,
    error: Option<io::Error>,
}

impl std::fmt::Debug for Truth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Truth")
            .field("open_addresses", &self.open_addrs.len())
            .field("open_enis", &self.open_enis.len())
            .finish()
    }
}

impl Default for Truth {
    fn default() -> Self {
        Truth::in_memory()
    }
}

impl Truth {
    /// Keeps every row in memory ([`Truth::tables`]).
    pub fn in_memory() -> Self {
        Truth::with_sink(Sink::Memory(Tables::default()))
    }

    /// Streams rows into `dir` (created if missing), one JSON-lines file per table.
    pub fn to_dir(dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let open = |name: &str| -> io::Result<BufWriter<File>> {
            Ok(BufWriter::new(File::create(dir.join(name))?))
        };
        Ok(Truth::with_sink(Sink::Files(Box::new(Files {
            addresses: open("addresses.jsonl")?,
            enis: open("enis.jsonl")?,
            calls: open("calls.jsonl")?,
            throttles: open("throttles.jsonl")?,
            usage: open("usage.jsonl")?,
        }))))
    }

    fn with_sink(sink: Sink) -> Self {
        Truth {
            sink,
            open_addrs: BTreeMap::new(),
            open_enis: BTreeMap::new(),
            subnets: Vec::new(),
            subnet_index: HashMap::new(),
            next_minute: None,
            error: None,
        }
    }

    /// The rows so far, for an in-memory truth.
    pub fn tables(&self) -> Option<&Tables> {
        match &self.sink {
            Sink::Memory(t) => Some(t),
            Sink::Files(_) => None,
        }
    }

    /// Intervals still open, in (ENI, address) order.
    pub fn open_intervals(&self) -> impl Iterator<Item = &AddressInterval> {
        self.open_addrs.values()
    }

    /// Keeps the first write error; reported by [`Truth::finish`]. The simulation goes on, as a
    /// truth write failing must not change what the trail says.
    fn keep(&mut self, r: io::Result<()>) {
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }

    /// A subnet to count usage for.
    pub fn add_subnet(&mut self, subnet_id: &str, usable: u32) {
        self.subnet_index
            .insert(subnet_id.to_string(), self.subnets.len());
        self.subnets.push(SubnetCount {
            id: subnet_id.to_string(),
            usable,
            by_kind: [0; 3],
        });
    }

    /// Writes usage rows for every minute boundary up to and including `time`.
    pub fn advance(&mut self, time: Time) {
        let mut next = match self.next_minute {
            Some(m) => m,
            None => time.div_euclid(60) * 60,
        };
        while next <= time {
            for i in 0..self.subnets.len() {
                let s = &self.subnets[i];
                let used: u32 = s.by_kind.iter().sum();
                let row = UsageRow {
                    subnet_id: s.id.clone(),
                    minute: next,
                    usable: s.usable,
                    node: s.by_kind[0],
                    cni: s.by_kind[1],
                    other: s.by_kind[2],
                    free: s.usable.saturating_sub(used),
                };
                let r = self.sink.usage(row);
                self.keep(r);
            }
            next += 60;
        }
        self.next_minute = Some(next);
    }

    /// `addr` (a /32 for an address) starts being held.
    #[allow(clippy::too_many_arguments)]
    pub fn address_start(
        &mut self,
        time: Time,
        addr: Prefix4,
        primary: bool,
        eni_id: &str,
        instance_id: Option<&str>,
        subnet_id: &str,
        holder: HolderKind,
    ) {
        if let Some(&i) = self.subnet_index.get(subnet_id) {
            self.subnets[i].by_kind[kind_index(holder)] += addr.size();
        }
        let prefix = addr.len < 32;
        let row = AddressInterval {
            address: if prefix {
                addr.to_string()
            } else {
                addr.base.to_string()
            },
            family: "ipv4",
            prefix,
            size: addr.size(),
            primary,
            eni_id: eni_id.to_string(),
            instance_id: instance_id.map(str::to_string),
            subnet_id: subnet_id.to_string(),
            holder,
            start: time,
            end: None,
            end_reason: EndReason::Open,
        };
        self.open_addrs
            .insert((eni_id.to_string(), u32::from(addr.base), addr.len), row);
    }

    /// `addr` stops being held by `eni_id`.
    pub fn address_end(&mut self, time: Time, eni_id: &str, addr: Prefix4, reason: EndReason) {
        if let Some(mut row) =
            self.open_addrs
                .remove(&(eni_id.to_string(), u32::from(addr.base), addr.len))
        {
            if let Some(&i) = self.subnet_index.get(&row.subnet_id) {
                let c = &mut self.subnets[i].by_kind[kind_index(row.holder)];
                *c = c.saturating_sub(row.size);
            }
            row.end = Some(time);
            row.end_reason = reason;
            let r = self.sink.interval(row);
            self.keep(r);
        }
    }

    /// An ENI is created.
    pub fn eni_created(
        &mut self,
        time: Time,
        eni_id: &str,
        subnet_id: &str,
        holder: HolderKind,
        owner_instance: Option<&str>,
        description: &str,
    ) {
        self.open_enis.insert(
            eni_id.to_string(),
            EniLife {
                eni_id: eni_id.to_string(),
                subnet_id: subnet_id.to_string(),
                holder,
                owner_instance: owner_instance.map(str::to_string),
                description: description.to_string(),
                created: time,
                attachments: Vec::new(),
                deleted: None,
                end_reason: EniEnd::Open,
            },
        );
    }

    /// An ENI is attached.
    #[allow(clippy::too_many_arguments)]
    pub fn eni_attached(
        &mut self,
        time: Time,
        eni_id: &str,
        attachment_id: &str,
        instance_id: &str,
        device_index: u32,
        network_card_index: u32,
        delete_on_termination: bool,
    ) {
        if let Some(e) = self.open_enis.get_mut(eni_id) {
            e.attachments.push(AttachmentLife {
                attachment_id: attachment_id.to_string(),
                instance_id: instance_id.to_string(),
                device_index,
                network_card_index,
                attached: time,
                detached: None,
                delete_on_termination,
            });
        }
    }

    /// The current attachment's delete-on-termination is set.
    pub fn eni_delete_on_termination(&mut self, eni_id: &str) {
        if let Some(a) = self
            .open_enis
            .get_mut(eni_id)
            .and_then(|e| e.attachments.last_mut())
        {
            a.delete_on_termination = true;
        }
    }

    /// The current attachment ends.
    pub fn eni_detached(&mut self, time: Time, eni_id: &str) {
        if let Some(a) = self
            .open_enis
            .get_mut(eni_id)
            .and_then(|e| e.attachments.last_mut())
            && a.detached.is_none()
        {
            a.detached = Some(time);
        }
    }

    /// An ENI is gone; its addresses must have been ended first.
    pub fn eni_deleted(&mut self, time: Time, eni_id: &str, reason: EniEnd) {
        if let Some(mut e) = self.open_enis.remove(eni_id) {
            if let Some(a) = e.attachments.last_mut()
                && a.detached.is_none()
            {
                a.detached = Some(time);
            }
            e.deleted = Some(time);
            e.end_reason = reason;
            let r = self.sink.eni(e);
            self.keep(r);
        }
    }

    /// A call was made (and, if throttled, a throttle row).
    pub fn call(
        &mut self,
        time: Time,
        api: &'static str,
        caller: &Caller,
        error: Option<ApiError>,
    ) {
        let name = caller_name(caller);
        if error == Some(ApiError::RequestLimitExceeded) {
            let r = self.sink.throttle(ThrottleRow {
                time,
                api,
                caller: name.clone(),
            });
            self.keep(r);
        }
        let r = self.sink.call(CallRow {
            time,
            api,
            caller: name,
            error: error.map(ApiError::code),
        });
        self.keep(r);
    }

    /// Ends the run at `end`: usage up to `end`, every open interval and ENI written as open,
    /// files flushed. Returns the first write error, if any.
    pub fn finish(&mut self, end: Time) -> io::Result<()> {
        self.advance(end);
        for (_, row) in std::mem::take(&mut self.open_addrs) {
            let r = self.sink.interval(row);
            self.keep(r);
        }
        for (_, e) in std::mem::take(&mut self.open_enis) {
            let r = self.sink.eni(e);
            self.keep(r);
        }
        if let Sink::Files(f) = &mut self.sink {
            for w in [
                &mut f.addresses,
                &mut f.enis,
                &mut f.calls,
                &mut f.throttles,
                &mut f.usage,
            ] {
                let r = w.flush();
                if let Err(e) = r {
                    self.error.get_or_insert(e);
                }
            }
        }
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
