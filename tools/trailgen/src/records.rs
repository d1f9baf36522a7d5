//! CloudTrail record shapes (facts §0, §2, §3, §4), written straight as JSON bytes.

use crate::util::{Rng, W};

/// The ENI-changing EC2 calls this generator writes (all of them land in the scanner's set).
pub const ENI_NAMES: [&str; 8] = [
    "AssignPrivateIpAddresses",
    "UnassignPrivateIpAddresses",
    "CreateNetworkInterface",
    "AttachNetworkInterface",
    "DetachNetworkInterface",
    "DeleteNetworkInterface",
    "ModifyNetworkInterfaceAttribute",
    "CreateTags",
];
/// Relative weights of [`ENI_NAMES`].
const ENI_WEIGHTS: [u32; 8] = [30, 25, 8, 8, 6, 7, 8, 8];

pub const REGIONS: [&str; 8] = [
    "us-east-1",
    "eu-west-1",
    "us-west-2",
    "ap-southeast-1",
    "eu-central-1",
    "us-east-2",
    "ap-northeast-1",
    "sa-east-1",
];

/// CNI user agents, facts §4.1. The third one carries no CNI marker (v1.20–v1.21).
const CNI_UAS: [&str; 6] = [
    "amazon-vpc-cni-k8s/version/ aws-sdk-go/1.40.6 (go1.16.10; linux; amd64)",
    "amazon-vpc-cni-k8s/version/ aws-sdk-go/1.44.302 (go1.20.6; linux; amd64)",
    "aws-sdk-go-v2/1.39.2 ua/2.1 os/linux lang/go#1.25.4 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.254.1 m/E,z",
    "aws-sdk-go-v2/1.39.2 ua/2.1 os/linux lang/go#1.25.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.254.1 amazon-vpc-cni-k8s/v1.22.1 m/0,E",
    "aws-sdk-go-v2/1.41.0 ua/2.1 os/linux lang/go#1.25.7 md/GOOS#linux md/GOARCH#arm64 api/ec2#1.262.0 amazon-vpc-cni-k8s/v1.23.1 m/0,E",
    "aws-sdk-go/1.33.14 (go1.13.15; linux; amd64) amazon-vpc-cni-k8s",
];
pub const CNI_UA_WITHOUT_MARKER: usize = 2;

const SDK_UAS: [&str; 13] = [
    "aws-sdk-go/1.44.327 (go1.21.1; linux; amd64)",
    "aws-cli/2.15.30 md/arch#x86_64 command/s3.cp",
    "Boto3/1.34.69 Python/3.11.8 Linux/5.10 Botocore/1.34.69",
    "aws-sdk-java/2.25.16 Linux/5.10.213-201.855.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
    "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2",
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/eks.describe-cluster",
    "aws-sdk-nodejs/2.1590.0 linux/v18.19.1 exec-env/AWS_ECS_FARGATE promise",
    "[aws-sdk-go/1.50.38 (go1.21.8; linux; amd64) exec-env/aws-karpenter]",
    "aws-sdk-js/3.540.0 ua/2.0 os/linux#5.10.213 lang/js md/nodejs#20.11.1 api/kms#3.540.0",
    "cluster-autoscaler/v1.29.0 aws-sdk-go/1.48.7 (go1.21.5; linux; amd64)",
    "aws-sdk-rust/1.3.1 os/linux lang/rust/1.80.0",
    "Boto3/1.28.62 md/Botocore#1.31.62 ua/2.0 os/linux#4.14.336-257.566.amzn2.x86_64 md/arch#x86_64 lang/python#3.9.18 md/pyimpl#CPython exec-env/AWS_Lambda_python3.9 cfg/retry-mode#legacy Botocore/1.31.62",
];

const CIPHERS: [&str; 3] = [
    "TLS_AES_128_GCM_SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_AES_256_GCM_SHA384",
];
const APP_NS: [&str; 6] = [
    "payments",
    "checkout",
    "search",
    "ingest",
    "monitoring",
    "kube-system",
];
const WORDS: [&str; 16] = [
    "orders",
    "events",
    "invoices",
    "thumbnails",
    "exports",
    "raw",
    "parquet",
    "daily",
    "v2",
    "tmp",
    "customers",
    "metrics",
    "logs",
    "backup",
    "snapshots",
    "reports",
];

/// One simulated worker node of the account/region's cluster.
pub struct Node {
    pub instance: String,
    /// ENIs at device index 0..3 and their attachment ids.
    pub enis: [String; 3],
    pub attachments: [String; 3],
    pub subnet: usize,
    pub public_ip: u32,
    pub ua: usize,
}

/// Everything that stays the same across the files of one account/region.
pub struct Cluster {
    pub account: String,
    pub region: &'static str,
    name: String,
    oidc: String,
    node_role: String,
    node_role_id: String,
    cni_role: String,
    cni_role_id: String,
    /// aws-node uses IRSA for this share of its calls.
    irsa_share: f64,
    app_roles: Vec<(String, String)>,
    users: Vec<(String, String)>,
    vpc: String,
    subnets: Vec<(String, String, u32)>,
    sgs: Vec<String>,
    buckets: Vec<String>,
    kms_keys: Vec<String>,
    pub nodes: Vec<Node>,
}

fn id(rng: &mut Rng, prefix: &str, hexlen: usize) -> String {
    let mut w = W::with_capacity(prefix.len() + hexlen);
    w.s(prefix).hex(rng, hexlen);
    String::from_utf8(w.buf).unwrap()
}

fn upid(rng: &mut Rng, prefix: &str, len: usize) -> String {
    let mut w = W::with_capacity(prefix.len() + len);
    w.s(prefix).upnum(rng, len);
    String::from_utf8(w.buf).unwrap()
}

impl Cluster {
    pub fn new(seed: u64, account_idx: usize, region_idx: usize) -> Cluster {
        let mut r = Rng::derive(seed, &[0xC1, account_idx as u64, region_idx as u64]);
        let account = {
            let mut a = Rng::derive(seed, &[0xAC, account_idx as u64]);
            format!("{:012}", 100_000_000_000 + a.below(899_999_999_999))
        };
        let region = REGIONS[region_idx % REGIONS.len()];
        let name = format!(
            "{}-{}",
            ["prod", "staging", "platform", "data"][account_idx % 4],
            ["eks", "k8s", "blue", "green"][region_idx % 4]
        );
        let mut oidc = W::with_capacity(32);
        oidc.hex_up(&mut r, 32);
        let oidc = String::from_utf8(oidc.buf).unwrap();
        let node_role = format!(
            "eksctl-{name}-nodegroup-ng-1-NodeInstanceRole-{}",
            upid(&mut r, "", 12)
        );
        let cni_role = format!(
            "eksctl-{name}-addon-iamserviceaccount-kube-Role1-{}",
            upid(&mut r, "", 12)
        );
        let app_roles = (0..6)
            .map(|i| {
                (
                    format!("{name}-{}-irsa", APP_NS[i]),
                    upid(&mut r, "AROA", 17),
                )
            })
            .collect();
        let users = ["ci-deployer", "terraform", "backup-agent", "grafana-reader"]
            .iter()
            .map(|u| (u.to_string(), upid(&mut r, "AIDA", 17)))
            .collect();
        let second = (10 + account_idx * 8 + region_idx) as u32 & 0xff;
        let subnets = (0..3)
            .map(|i| {
                let az = format!("{region}{}", ['a', 'b', 'c'][i]);
                (
                    id(&mut r, "subnet-0", 16),
                    az,
                    (10 << 24) | (second << 16) | ((i as u32 * 64) << 8),
                )
            })
            .collect::<Vec<_>>();
        let irsa_share = [0.0, 0.5, 1.0][r.below(3) as usize];
        let main_ua = r.below(CNI_UAS.len() as u64) as usize;
        let nodes = (0..r.range(20, 60))
            .map(|_| {
                let subnet = r.below(3) as usize;
                Node {
                    instance: id(&mut r, "i-0", 16),
                    enis: [
                        id(&mut r, "eni-0", 16),
                        id(&mut r, "eni-0", 16),
                        id(&mut r, "eni-0", 16),
                    ],
                    attachments: [
                        id(&mut r, "eni-attach-0", 16),
                        id(&mut r, "eni-attach-0", 16),
                        id(&mut r, "eni-attach-0", 16),
                    ],
                    subnet,
                    public_ip: (r.next_u64() as u32 & 0x3fff_ffff) | 0x3400_0000,
                    ua: if r.chance(0.85) {
                        main_ua
                    } else {
                        r.below(CNI_UAS.len() as u64) as usize
                    },
                }
            })
            .collect();
        Cluster {
            node_role_id: upid(&mut r, "AROA", 17),
            cni_role_id: upid(&mut r, "AROA", 17),
            vpc: id(&mut r, "vpc-0", 16),
            sgs: (0..3).map(|_| id(&mut r, "sg-0", 16)).collect(),
            buckets: (0..5)
                .map(|i| format!("{name}-{}-{}", WORDS[i * 3 % 16], &account[..6]))
                .collect(),
            kms_keys: (0..3)
                .map(|_| {
                    let mut w = W::with_capacity(36);
                    w.uuid(&mut r);
                    String::from_utf8(w.buf).unwrap()
                })
                .collect(),
            account,
            region,
            name,
            oidc,
            node_role,
            cni_role,
            irsa_share,
            app_roles,
            users,
            subnets,
            nodes,
        }
    }
}

/// What a written record was, for the manifest.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Noise,
    /// Index into [`ENI_NAMES`]; `error` 0 = success, 1 = throttled, 2 = another error;
    /// `marker` when the user agent names the CNI.
    Eni {
        name: usize,
        error: u8,
        marker: bool,
    },
}

enum Ident<'a> {
    NodeRole(&'a Node),
    Irsa(&'a str, &'a str),
    CniIrsa,
    User(usize),
    Sso,
    Service(&'a str),
}

struct Rec<'a> {
    version: &'static str,
    ident: Ident<'a>,
    time: i64,
    source: &'static str,
    name: &'static str,
    ip: Ip<'a>,
    ua: &'a str,
}

enum Ip<'a> {
    Addr(u32),
    Text(&'a str),
}

/// Per-file generator state.
pub struct Gen<'a> {
    pub c: &'a Cluster,
    pub rng: Rng,
    pub w: W,
}

const VERSIONS: [&str; 4] = ["1.08", "1.09", "1.10", "1.11"];

impl<'a> Gen<'a> {
    fn head(&mut self, r: &Rec) {
        let c = self.c;
        let acct = c.account.as_str();
        let w = &mut self.w;
        let rng = &mut self.rng;
        w.s("{\"eventVersion\":")
            .q(r.version)
            .s(",\"userIdentity\":{");
        match r.ident {
            Ident::NodeRole(node) => {
                w.s("\"type\":\"AssumedRole\",\"principalId\":\"")
                    .s(&c.node_role_id)
                    .s(":")
                    .s(&node.instance);
                w.s("\",\"arn\":\"arn:aws:sts::")
                    .s(acct)
                    .s(":assumed-role/")
                    .s(&c.node_role)
                    .s("/")
                    .s(&node.instance);
                w.s("\",\"accountId\":")
                    .q(acct)
                    .s(",\"accessKeyId\":\"ASIA")
                    .upnum(rng, 16);
                w.s("\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":")
                    .q(&c.node_role_id);
                w.s(",\"arn\":\"arn:aws:iam::")
                    .s(acct)
                    .s(":role/")
                    .s(&c.node_role)
                    .s("\",\"accountId\":")
                    .q(acct);
                w.s(",\"userName\":")
                    .q(&c.node_role)
                    .s("},\"webIdFederationData\":{},\"attributes\":{\"creationDate\":");
                let t = r.time - rng.range(60, 21_000) as i64;
                w.time(t)
                    .s(",\"mfaAuthenticated\":\"false\"},\"ec2RoleDelivery\":\"2.0\"}}");
            }
            Ident::Irsa(..) | Ident::CniIrsa => {
                let (role, role_id) = match r.ident {
                    Ident::Irsa(a, b) => (a, b),
                    _ => (c.cni_role.as_str(), c.cni_role_id.as_str()),
                };
                let session = 1_700_000_000_000_000_000 + rng.below(99_999_999_999_999_999);
                w.s("\"type\":\"AssumedRole\",\"principalId\":\"")
                    .s(role_id)
                    .s(":")
                    .n(session);
                w.s("\",\"arn\":\"arn:aws:sts::")
                    .s(acct)
                    .s(":assumed-role/")
                    .s(role)
                    .s("/")
                    .n(session);
                w.s("\",\"accountId\":")
                    .q(acct)
                    .s(",\"accessKeyId\":\"ASIA")
                    .upnum(rng, 16);
                w.s("\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":")
                    .q(role_id);
                w.s(",\"arn\":\"arn:aws:iam::")
                    .s(acct)
                    .s(":role/")
                    .s(role)
                    .s("\",\"accountId\":")
                    .q(acct);
                w.s(",\"userName\":")
                    .q(role)
                    .s("},\"webIdFederationData\":{\"federatedProvider\":\"arn:aws:iam::")
                    .s(acct);
                w.s(":oidc-provider/oidc.eks.")
                    .s(c.region)
                    .s(".amazonaws.com/id/")
                    .s(&c.oidc);
                w.s("\",\"attributes\":{}},\"attributes\":{\"creationDate\":");
                let t = r.time - rng.range(30, 3500) as i64;
                w.time(t).s(",\"mfaAuthenticated\":\"false\"}}}");
            }
            Ident::User(i) => {
                let (name, uid) = &c.users[i];
                w.s("\"type\":\"IAMUser\",\"principalId\":")
                    .q(uid)
                    .s(",\"arn\":\"arn:aws:iam::")
                    .s(acct)
                    .s(":user/")
                    .s(name);
                w.s("\",\"accountId\":")
                    .q(acct)
                    .s(",\"accessKeyId\":\"AKIA")
                    .upnum(rng, 16)
                    .s("\",\"userName\":")
                    .q(name)
                    .s("}");
            }
            Ident::Sso => {
                let role = "AWSReservedSSO_AdministratorAccess_6f3c9e0d2b8a4c17";
                w.s("\"type\":\"AssumedRole\",\"principalId\":\"AROAQX2KB7TEXAMPLE4Q:jane.doe@example.com\",\"arn\":\"arn:aws:sts::");
                w.s(acct)
                    .s(":assumed-role/")
                    .s(role)
                    .s("/jane.doe@example.com\",\"accountId\":")
                    .q(acct);
                w.s(",\"accessKeyId\":\"ASIA").upnum(rng, 16).s("\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":\"AROAQX2KB7TEXAMPLE4Q\",\"arn\":\"arn:aws:iam::");
                w.s(acct)
                    .s(":role/aws-reserved/sso.amazonaws.com/")
                    .s(role)
                    .s("\",\"accountId\":")
                    .q(acct)
                    .s(",\"userName\":")
                    .q(role);
                w.s("},\"webIdFederationData\":{},\"attributes\":{\"creationDate\":");
                let t = r.time - rng.range(60, 28_000) as i64;
                w.time(t).s(",\"mfaAuthenticated\":\"false\"}}}");
            }
            Ident::Service(svc) => {
                w.s("\"type\":\"AWSService\",\"invokedBy\":").q(svc).s("}");
            }
        }
        w.s(",\"eventTime\":")
            .time(r.time)
            .s(",\"eventSource\":")
            .q(r.source)
            .s(",\"eventName\":")
            .q(r.name);
        w.s(",\"awsRegion\":")
            .q(c.region)
            .s(",\"sourceIPAddress\":");
        match r.ip {
            Ip::Addr(a) => {
                w.s("\"").ip(a).s("\"");
            }
            Ip::Text(t) => {
                w.q(t);
            }
        }
        w.s(",\"userAgent\":").q(r.ua);
    }

    /// `requestID` … to the end of the record. `request_id` was already written into the
    /// response when the service echoes it: pass it back here.
    fn tail(
        &mut self,
        request_id: &[u8],
        read_only: bool,
        management: bool,
        resources: Option<&dyn Fn(&mut W)>,
        shared: bool,
        host: Option<&str>,
    ) {
        let acct = self.c.account.as_str();
        let w = &mut self.w;
        let rng = &mut self.rng;
        w.s(",\"requestID\":\"");
        w.buf.extend_from_slice(request_id);
        w.s("\",\"eventID\":\"")
            .uuid(rng)
            .s("\",\"readOnly\":")
            .s(if read_only { "true" } else { "false" });
        if let Some(res) = resources {
            w.s(",\"resources\":[");
            res(w);
            w.s("]");
        }
        w.s(",\"eventType\":\"AwsApiCall\",\"managementEvent\":")
            .s(if management { "true" } else { "false" });
        w.s(",\"recipientAccountId\":").q(acct);
        if shared {
            w.s(",\"sharedEventID\":\"").uuid(rng).s("\"");
        }
        w.s(",\"eventCategory\":")
            .q(if management { "Management" } else { "Data" });
        if let Some(host) = host {
            let cipher = *rng.pick(&CIPHERS);
            let v = if cipher.starts_with("TLS_") {
                "TLSv1.3"
            } else {
                "TLSv1.2"
            };
            w.s(",\"tlsDetails\":{\"tlsVersion\":")
                .q(v)
                .s(",\"cipherSuite\":")
                .q(cipher);
            w.s(",\"clientProvidedHostHeader\":").q(host).s("}");
        }
        w.s("}");
    }

    fn uuid_bytes(&mut self) -> [u8; 36] {
        let mut w = W::with_capacity(36);
        w.uuid(&mut self.rng);
        w.buf.try_into().unwrap()
    }

    fn version(&mut self) -> &'static str {
        VERSIONS[self.rng.below(4) as usize]
    }

    fn ec2_host(&self) -> String {
        format!("ec2.{}.amazonaws.com", self.c.region)
    }

    fn maybe_host(&mut self, host: String) -> Option<String> {
        self.rng.chance(0.5).then_some(host)
    }

    /// Writes one record at `time`; returns what it was.
    pub fn record(&mut self, time: i64, eni_fraction: f64) -> Kind {
        if self.rng.chance(eni_fraction) {
            self.eni(time)
        } else {
            self.noise(time);
            Kind::Noise
        }
    }

    // ------------------------------------------------------------------------------------------
    // ENI calls by the CNI

    fn eni(&mut self, time: i64) -> Kind {
        let c = self.c;
        let node = &c.nodes[self.rng.below(c.nodes.len() as u64) as usize];
        let name_idx = self.rng.weighted(&cumulative(&ENI_WEIGHTS));
        let name = ENI_NAMES[name_idx];
        let ident = if self.rng.chance(c.irsa_share) {
            Ident::CniIrsa
        } else {
            Ident::NodeRole(node)
        };
        let ua = CNI_UAS[node.ua];
        let version = self.version();
        self.head(&Rec {
            version,
            ident,
            time,
            source: "ec2.amazonaws.com",
            name,
            ip: Ip::Addr(node.public_ip),
            ua,
        });

        // Errors: mostly throttling; a few capacity errors where they happen.
        let error_kind = if self.rng.chance(0.07) {
            let (code, msg) = match (name_idx, self.rng.below(10)) {
                (0, 0) => (
                    "Client.PrivateIpAddressLimitExceeded",
                    "Number of private addresses will exceed limit.",
                ),
                (0 | 2, 1) => (
                    "Client.InsufficientFreeAddressesInSubnet",
                    "The specified subnet does not have enough free addresses to satisfy the request.",
                ),
                _ => ("Client.RequestLimitExceeded", "Request limit exceeded."),
            };
            self.w
                .s(",\"errorCode\":")
                .q(code)
                .s(",\"errorMessage\":")
                .q(msg);
            if code == "Client.RequestLimitExceeded" {
                1
            } else {
                2
            }
        } else {
            0
        };
        let error = error_kind != 0;

        let k = self.rng.below(3) as usize;
        let eni = &node.enis[k];
        let (subnet, az, base) = &c.subnets[node.subnet];
        let req_id = self.uuid_bytes();
        let w = &mut self.w;
        let rng = &mut self.rng;
        w.s(",\"requestParameters\":{");
        match name_idx {
            0 => {
                let prefix = rng.chance(0.15);
                let count = if prefix { 1 } else { rng.range(1, 14) };
                w.s("\"networkInterfaceId\":")
                    .q(eni)
                    .s(",\"privateIpAddressesSet\":{},");
                if prefix {
                    w.s("\"ipv4PrefixCount\":").n(count);
                } else {
                    w.s("\"secondaryPrivateIpAddressCount\":")
                        .n(count)
                        .s(",\"ipv4Prefixes\":{}");
                }
                w.s("}");
                if error {
                    w.s(",\"responseElements\":null");
                } else {
                    w.s(",\"responseElements\":{\"requestId\":\"");
                    w.buf.extend_from_slice(&req_id);
                    w.s("\",\"networkInterfaceId\":").q(eni);
                    let wrapper = if rng.chance(0.7) { "Type\":[" } else { "" };
                    if prefix {
                        w.s(",\"assignedPrivateIpAddressesSet\":{},\"assignedIpv4PrefixSet\":{");
                        w.s(if wrapper.is_empty() {
                            "\"item\":["
                        } else {
                            "\"assignedIpv4PrefixSetType\":["
                        });
                        let p = base + (rng.below(1024) as u32) * 16;
                        w.s("{\"ipv4Prefix\":\"").ip(p).s("/28\"}]}");
                    } else {
                        w.s(",\"assignedPrivateIpAddressesSet\":{");
                        w.s(if wrapper.is_empty() {
                            "\"item\":["
                        } else {
                            "\"assignedPrivateIpAddressSetType\":["
                        });
                        for i in 0..count {
                            if i > 0 {
                                w.s(",");
                            }
                            w.s("{\"privateIpAddress\":\"")
                                .ip(base + 4 + rng.below(16_000) as u32)
                                .s("\"}");
                        }
                        w.s("]},\"assignedIpv4PrefixSet\":{}");
                    }
                    w.s(",\"_return\":true}");
                }
            }
            1 => {
                let count = rng.range(1, 10);
                w.s("\"networkInterfaceId\":")
                    .q(eni)
                    .s(",\"privateIpAddressesSet\":{\"item\":[");
                for i in 0..count {
                    if i > 0 {
                        w.s(",");
                    }
                    w.s("{\"privateIpAddress\":\"")
                        .ip(base + 4 + rng.below(16_000) as u32)
                        .s("\"}");
                }
                w.s("]}}");
                ret(w, &req_id, error);
            }
            2 => {
                let count = rng.range(0, 14);
                w.s("\"subnetId\":")
                    .q(subnet)
                    .s(",\"description\":\"aws-K8S-")
                    .s(&node.instance)
                    .s("\",\"groupSet\":{\"items\":[{\"groupId\":");
                w.q(&c.sgs[0]).s("}]},\"privateIpAddressesSet\":{}");
                if count > 0 {
                    w.s(",\"secondaryPrivateIpAddressCount\":").n(count);
                }
                w.s(",\"tagSpecificationSet\":{\"items\":[{\"resourceType\":\"network-interface\",\"tags\":[");
                let created = time;
                w.s("{\"key\":\"node.k8s.amazonaws.com/instance_id\",\"value\":")
                    .q(&node.instance)
                    .s("},");
                w.s("{\"key\":\"node.k8s.amazonaws.com/createdAt\",\"value\":")
                    .time(created)
                    .s("},");
                w.s("{\"key\":\"cluster.k8s.amazonaws.com/name\",\"value\":")
                    .q(&c.name)
                    .s("},");
                w.s("{\"key\":\"eks:eni:owner\",\"value\":\"amazon-vpc-cni\"}]}]}}");
                if error {
                    w.s(",\"responseElements\":null");
                } else {
                    let primary = base + 4 + rng.below(16_000) as u32;
                    w.s(",\"responseElements\":{\"requestId\":\"");
                    w.buf.extend_from_slice(&req_id);
                    w.s("\",\"networkInterface\":{\"networkInterfaceId\":")
                        .q(eni)
                        .s(",\"subnetId\":")
                        .q(subnet);
                    w.s(",\"vpcId\":")
                        .q(&c.vpc)
                        .s(",\"availabilityZone\":")
                        .q(az)
                        .s(",\"description\":\"aws-K8S-")
                        .s(&node.instance);
                    w.s("\",\"ownerId\":").q(&c.account).s(",\"requesterId\":").q(&c.node_role_id).s(",\"requesterManaged\":false,\"status\":\"pending\",\"macAddress\":\"02:");
                    for i in 0..5 {
                        if i > 0 {
                            w.s(":");
                        }
                        w.hex(rng, 2);
                    }
                    w.s("\",\"privateIpAddress\":\"")
                        .ip(primary)
                        .s("\",\"privateDnsName\":\"ip-");
                    w.n((primary >> 24) as u64)
                        .s("-")
                        .n(((primary >> 16) & 255) as u64)
                        .s("-")
                        .n(((primary >> 8) & 255) as u64)
                        .s("-")
                        .n((primary & 255) as u64);
                    w.s(".").s(c.region).s(".compute.internal\",\"sourceDestCheck\":true,\"interfaceType\":\"interface\",\"groupSet\":{\"items\":[{\"groupId\":");
                    w.q(&c.sgs[0])
                        .s(",\"groupName\":\"eks-cluster-sg-")
                        .s(&c.name)
                        .s("\"}]},\"privateIpAddressesSet\":{\"item\":[");
                    w.s("{\"privateIpAddress\":\"")
                        .ip(primary)
                        .s("\",\"primary\":true}");
                    for _ in 0..count {
                        w.s(",{\"privateIpAddress\":\"")
                            .ip(base + 4 + rng.below(16_000) as u32)
                            .s("\",\"primary\":false}");
                    }
                    w.s("]},\"ipv6AddressesSet\":{},\"tagSet\":{\"items\":[");
                    w.s("{\"key\":\"node.k8s.amazonaws.com/instance_id\",\"value\":")
                        .q(&node.instance)
                        .s("},");
                    w.s("{\"key\":\"node.k8s.amazonaws.com/createdAt\",\"value\":")
                        .time(created)
                        .s("},");
                    w.s("{\"key\":\"cluster.k8s.amazonaws.com/name\",\"value\":")
                        .q(&c.name)
                        .s("},");
                    w.s("{\"key\":\"eks:eni:owner\",\"value\":\"amazon-vpc-cni\"}]}}}");
                }
            }
            3 => {
                w.s("\"networkInterfaceId\":")
                    .q(eni)
                    .s(",\"instanceId\":")
                    .q(&node.instance);
                w.s(",\"deviceIndex\":")
                    .n(k.max(1) as u64)
                    .s(",\"networkCardIndex\":0}");
                if error {
                    w.s(",\"responseElements\":null");
                } else {
                    w.s(",\"responseElements\":{\"requestId\":\"");
                    w.buf.extend_from_slice(&req_id);
                    w.s("\",\"attachmentId\":")
                        .q(&node.attachments[k])
                        .s(",\"networkCardIndex\":0}");
                }
            }
            4 => {
                w.s("\"attachmentId\":").q(&node.attachments[k]).s("}");
                ret(w, &req_id, error);
            }
            5 => {
                w.s("\"networkInterfaceId\":").q(eni).s("}");
                ret(w, &req_id, error);
            }
            6 => {
                w.s("\"networkInterfaceId\":")
                    .q(eni)
                    .s(",\"attachment\":{\"attachmentId\":")
                    .q(&node.attachments[k]);
                w.s(",\"deleteOnTermination\":true}}");
                ret(w, &req_id, error);
            }
            _ => {
                w.s("\"resourcesSet\":{\"items\":[{\"resourceId\":")
                    .q(eni)
                    .s("}]},\"tagSet\":{\"items\":[");
                w.s("{\"key\":\"node.k8s.amazonaws.com/instance_id\",\"value\":")
                    .q(&node.instance)
                    .s("},");
                w.s("{\"key\":\"cluster.k8s.amazonaws.com/name\",\"value\":")
                    .q(&c.name)
                    .s("}]}}");
                ret(w, &req_id, error);
            }
        }
        let host = self.maybe_host(self.ec2_host());
        self.tail(&req_id, false, true, None, false, host.as_deref());
        Kind::Eni {
            name: name_idx,
            error: error_kind,
            marker: node.ua != CNI_UA_WITHOUT_MARKER,
        }
    }

    // ------------------------------------------------------------------------------------------
    // Everything else

    fn noise(&mut self, time: i64) {
        // Cumulative weights of the noise mix below.
        const W_NOISE: [u32; 19] = [20, 7, 3, 5, 6, 12, 5, 6, 5, 2, 3, 7, 3, 3, 3, 2, 3, 2, 3];
        let kind = self.rng.weighted(&cumulative(&W_NOISE));
        match kind {
            0..=2 => self.s3(time, kind),
            3 => self.assume_role(time),
            4 => self.assume_role_web_identity(time),
            5 | 6 => self.kms(time, kind == 6),
            7 | 8 | 9 | 17 => self.ec2_describe(time, kind),
            10 => self.simple(time, "eks.amazonaws.com", "DescribeCluster", 10),
            11 => self.simple(time, "logs.amazonaws.com", "PutLogEvents", 11),
            12 => self.simple(time, "ecr.amazonaws.com", "GetAuthorizationToken", 12),
            13 => self.simple(time, "ecr.amazonaws.com", "BatchGetImage", 13),
            14 => self.simple(time, "ssm.amazonaws.com", "GetParameter", 14),
            15 => self.simple(time, "secretsmanager.amazonaws.com", "GetSecretValue", 15),
            16 => self.simple(
                time,
                "elasticloadbalancing.amazonaws.com",
                "DescribeTargetHealth",
                16,
            ),
            _ => self.simple(time, "sts.amazonaws.com", "GetCallerIdentity", 18),
        }
    }

    fn app_ident(&mut self) -> Ident<'a> {
        let c = self.c;
        match self.rng.below(10) {
            0..=3 => {
                let (role, id) = &c.app_roles[self.rng.below(c.app_roles.len() as u64) as usize];
                Ident::Irsa(role, id)
            }
            4 | 5 => Ident::NodeRole(&c.nodes[self.rng.below(c.nodes.len() as u64) as usize]),
            6..=8 => Ident::User(self.rng.below(c.users.len() as u64) as usize),
            _ => Ident::Sso,
        }
    }

    fn client_ip(&mut self) -> Ip<'a> {
        let c = self.c;
        if self.rng.chance(0.8) {
            Ip::Addr(c.nodes[self.rng.below(c.nodes.len() as u64) as usize].public_ip)
        } else {
            Ip::Addr(0x0300_0000 | (self.rng.next_u64() as u32 & 0x00ff_ffff))
        }
    }

    /// A random object key, appended to `out`.
    fn s3_key_into(rng: &mut Rng, out: &mut W) {
        for _ in 0..rng.range(1, 4) {
            out.s(WORDS[rng.below(16) as usize]).s("/");
        }
        out.s("dt=").date(rng).s("/part-").hex(rng, 8);
        if rng.chance(0.4) {
            out.s("-").uuid(rng);
        }
        out.s(if rng.chance(0.5) {
            ".snappy.parquet"
        } else {
            ".json.gz"
        });
    }

    fn s3(&mut self, time: i64, kind: usize) {
        // Short and long SDK agents both occur.
        let c = self.c;
        let name = ["GetObject", "PutObject", "ListObjects"][kind];
        let ident = self.app_ident();
        let ip = self.client_ip();
        let ua = *self.rng.pick(&SDK_UAS[..6]);
        let version = self.version();
        self.head(&Rec {
            version,
            ident,
            time,
            source: "s3.amazonaws.com",
            name,
            ip,
            ua,
        });
        let bucket = c.buckets[self.rng.below(c.buckets.len() as u64) as usize].as_str();
        let key = (kind != 2).then(|| {
            let mut k = W::with_capacity(128);
            Self::s3_key_into(&mut self.rng, &mut k);
            String::from_utf8(k.buf).unwrap()
        });
        let w = &mut self.w;
        let rng = &mut self.rng;
        w.s(",\"requestParameters\":{\"bucketName\":")
            .q(bucket)
            .s(",\"Host\":\"")
            .s(bucket)
            .s(".s3.")
            .s(c.region)
            .s(".amazonaws.com\"");
        match &key {
            None => {
                w.s(",\"list-type\":\"2\",\"prefix\":\"")
                    .s(WORDS[rng.below(16) as usize])
                    .s("/\",\"max-keys\":\"1000\"}");
            }
            Some(k) => {
                w.s(",\"key\":").q(k);
                if kind == 1 {
                    w.s(",\"x-amz-server-side-encryption\":\"aws:kms\",\"x-amz-acl\":\"bucket-owner-full-control\"");
                }
                w.s("}");
            }
        }
        if kind == 1 {
            w.s(",\"responseElements\":{\"x-amz-server-side-encryption-aws-kms-key-id\":\"arn:aws:kms:").s(c.region).s(":").s(&c.account);
            w.s(":key/")
                .s(&c.kms_keys[0])
                .s("\",\"x-amz-server-side-encryption\":\"aws:kms\",\"x-amz-version-id\":\"")
                .alnum(rng, 32)
                .s("\"}");
        } else {
            w.s(",\"responseElements\":null");
        }
        let (bin, bout) = if kind == 1 {
            (rng.range(200, 40_000_000), 0)
        } else {
            (0, rng.range(200, 40_000_000))
        };
        w.s(",\"additionalEventData\":{\"SignatureVersion\":\"SigV4\",\"CipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"bytesTransferredIn\":").n(bin);
        w.s(",\"AuthenticationMethod\":\"AuthHeader\",\"x-amz-id-2\":\"")
            .b64(rng, 76)
            .s("\",\"bytesTransferredOut\":")
            .n(bout)
            .s("}");
        let mut t = W::with_capacity(16);
        t.upnum(rng, 16);
        let req_id = t.buf;
        let acct = c.account.as_str();
        let res = |w: &mut W| {
            if let Some(k) = &key {
                w.s("{\"type\":\"AWS::S3::Object\",\"ARN\":\"arn:aws:s3:::")
                    .s(bucket)
                    .s("/")
                    .s(k)
                    .s("\"},");
            }
            w.s("{\"accountId\":")
                .q(acct)
                .s(",\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::")
                .s(bucket)
                .s("\"}");
        };
        let host = self.maybe_host(format!("s3.{}.amazonaws.com", c.region));
        self.tail(
            &req_id,
            kind != 1,
            false,
            Some(&res),
            false,
            host.as_deref(),
        );
    }

    fn credentials(&mut self, time: i64) {
        let w = &mut self.w;
        let rng = &mut self.rng;
        w.s("\"credentials\":{\"accessKeyId\":\"ASIA")
            .upnum(rng, 16)
            .s("\",\"sessionToken\":\"IQoJb3JpZ2luX2VjE");
        let len = rng.range(280, 700) as usize;
        w.b64(rng, len).s("\",\"expiration\":");
        // CloudTrail renders this one in the Java date style.
        let exp = time + 3600;
        let (y, mo, d) = crate::util::civil(exp.div_euclid(86_400));
        let s = exp.rem_euclid(86_400);
        let (h, ampm) = match s / 3600 {
            0 => (12, "AM"),
            h @ 1..=11 => (h, "AM"),
            12 => (12, "PM"),
            h => (h - 12, "PM"),
        };
        const MON: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let text = format!(
            "\"{} {}, {}, {}:{:02}:{:02} {}\"",
            MON[mo as usize - 1],
            d,
            y,
            h,
            s / 60 % 60,
            s % 60,
            ampm
        );
        w.s(&text).s("}");
    }

    fn assume_role(&mut self, time: i64) {
        let c = self.c;
        let ident = match self.rng.below(3) {
            0 => Ident::Service("ec2.amazonaws.com"),
            1 => Ident::User(self.rng.below(c.users.len() as u64) as usize),
            _ => Ident::Sso,
        };
        let ip = match ident {
            Ident::Service(s) => Ip::Text(s),
            _ => self.client_ip(),
        };
        let ua = match ident {
            Ident::Service(s) => s,
            _ => *self.rng.pick(&SDK_UAS),
        };
        let version = self.version();
        self.head(&Rec {
            version,
            ident,
            time,
            source: "sts.amazonaws.com",
            name: "AssumeRole",
            ip,
            ua,
        });
        let role = if self.rng.chance(0.5) {
            c.node_role.clone()
        } else {
            c.app_roles[self.rng.below(6) as usize].0.clone()
        };
        let role_id = c.node_role_id.clone();
        let session = {
            let mut t = W::with_capacity(20);
            t.s("session-").n(self.rng.below(1 << 40));
            String::from_utf8(t.buf).unwrap()
        };
        self.w
            .s(",\"requestParameters\":{\"roleArn\":\"arn:aws:iam::")
            .s(&c.account)
            .s(":role/")
            .s(&role);
        self.w
            .s("\",\"roleSessionName\":")
            .q(&session)
            .s(",\"durationSeconds\":3600},\"responseElements\":{");
        self.credentials(time);
        self.w
            .s(",\"assumedRoleUser\":{\"assumedRoleId\":\"")
            .s(&role_id)
            .s(":")
            .s(&session);
        self.w
            .s("\",\"arn\":\"arn:aws:sts::")
            .s(&c.account)
            .s(":assumed-role/")
            .s(&role)
            .s("/")
            .s(&session)
            .s("\"}}");
        let req_id = self.uuid_bytes();
        let acct = c.account.clone();
        let res = move |w: &mut W| {
            w.s("{\"accountId\":")
                .q(&acct)
                .s(",\"type\":\"AWS::IAM::Role\",\"ARN\":\"arn:aws:iam::")
                .s(&acct)
                .s(":role/")
                .s(&role)
                .s("\"}");
        };
        let host = self.maybe_host(format!("sts.{}.amazonaws.com", c.region));
        self.tail(&req_id, true, true, Some(&res), true, host.as_deref());
    }

    fn assume_role_web_identity(&mut self, time: i64) {
        let c = self.c;
        let ns = *self.rng.pick(&APP_NS);
        let (sa, role, role_id) = if self.rng.chance(0.3) {
            (
                "aws-node".to_string(),
                c.cni_role.clone(),
                c.cni_role_id.as_str(),
            )
        } else {
            let (role, id) = &c.app_roles[self.rng.below(6) as usize];
            (format!("{ns}-sa"), role.clone(), id.as_str())
        };
        let ns = if sa == "aws-node" { "kube-system" } else { ns };
        let provider = format!(
            "arn:aws:iam::{}:oidc-provider/oidc.eks.{}.amazonaws.com/id/{}",
            c.account, c.region, c.oidc
        );
        let subject = format!("system:serviceaccount:{ns}:{sa}");
        let ip = self.client_ip();
        let ua = *self.rng.pick(&SDK_UAS);
        let version = self.version();
        // The identity block of this call is a WebIdentityUser, written by hand.
        let w = &mut self.w;
        w.s("{\"eventVersion\":")
            .q(version)
            .s(",\"userIdentity\":{\"type\":\"WebIdentityUser\",\"principalId\":\"");
        w.s(&provider)
            .s(":sts.amazonaws.com:")
            .s(&subject)
            .s("\",\"userName\":")
            .q(&subject);
        w.s(",\"identityProvider\":")
            .q(&provider)
            .s("},\"eventTime\":")
            .time(time);
        w.s(",\"eventSource\":\"sts.amazonaws.com\",\"eventName\":\"AssumeRoleWithWebIdentity\",\"awsRegion\":").q(c.region);
        w.s(",\"sourceIPAddress\":\"");
        if let Ip::Addr(a) = ip {
            w.ip(a);
        }
        w.s("\",\"userAgent\":").q(ua);
        let session = 1_700_000_000_000_000_000 + self.rng.below(99_999_999_999_999_999);
        let w = &mut self.w;
        w.s(",\"requestParameters\":{\"roleArn\":\"arn:aws:iam::")
            .s(&c.account)
            .s(":role/")
            .s(&role);
        w.s("\",\"roleSessionName\":\"")
            .n(session)
            .s("\",\"durationSeconds\":86400},\"responseElements\":{");
        self.credentials(time);
        let w = &mut self.w;
        w.s(",\"subjectFromWebIdentityToken\":")
            .q(&subject)
            .s(",\"assumedRoleUser\":{\"assumedRoleId\":\"");
        w.s(role_id)
            .s(":")
            .n(session)
            .s("\",\"arn\":\"arn:aws:sts::")
            .s(&c.account)
            .s(":assumed-role/")
            .s(&role)
            .s("/")
            .n(session);
        w.s("\"},\"provider\":")
            .q(&provider)
            .s(",\"audience\":\"sts.amazonaws.com\"}");
        w.s(",\"additionalEventData\":{\"identityProviderConnectionVerificationMethod\":\"IAMTrustStore\"}");
        let req_id = self.uuid_bytes();
        let acct = c.account.clone();
        let res = move |w: &mut W| {
            w.s("{\"accountId\":")
                .q(&acct)
                .s(",\"type\":\"AWS::IAM::Role\",\"ARN\":\"arn:aws:iam::")
                .s(&acct)
                .s(":role/")
                .s(&role)
                .s("\"}");
        };
        let host = self.maybe_host(format!("sts.{}.amazonaws.com", c.region));
        self.tail(&req_id, true, true, Some(&res), false, host.as_deref());
    }

    fn kms(&mut self, time: i64, generate: bool) {
        let c = self.c;
        let via_s3 = self.rng.chance(0.5);
        let ident = self.app_ident();
        let (ip, ua) = if via_s3 {
            (Ip::Text("s3.amazonaws.com"), "s3.amazonaws.com")
        } else {
            (self.client_ip(), *self.rng.pick(&SDK_UAS))
        };
        let name = if generate {
            "GenerateDataKey"
        } else {
            "Decrypt"
        };
        let version = self.version();
        self.head(&Rec {
            version,
            ident,
            time,
            source: "kms.amazonaws.com",
            name,
            ip,
            ua,
        });
        let key = c.kms_keys[self.rng.below(c.kms_keys.len() as u64) as usize].clone();
        let bucket = c.buckets[self.rng.below(c.buckets.len() as u64) as usize].clone();
        self.w.s(",\"requestParameters\":{");
        if generate {
            self.w
                .s("\"keyId\":\"arn:aws:kms:")
                .s(c.region)
                .s(":")
                .s(&c.account)
                .s(":key/")
                .s(&key)
                .s("\",\"keySpec\":\"AES_256\",");
        }
        self.w
            .s("\"encryptionAlgorithm\":\"SYMMETRIC_DEFAULT\",\"encryptionContext\":{");
        if via_s3 {
            self.w.s("\"aws:s3:arn\":\"arn:aws:s3:::").s(&bucket).s("/");
            Self::s3_key_into(&mut self.rng, &mut self.w);
            self.w.s("\"");
        } else {
            self.w
                .s("\"PARAMETER_ARN\":\"arn:aws:ssm:")
                .s(c.region)
                .s(":")
                .s(&c.account)
                .s(":parameter/")
                .s(&c.name)
                .s("/");
            self.w
                .s(WORDS[self.rng.below(16) as usize])
                .s("/")
                .hex(&mut self.rng, 8)
                .s("\"");
        }
        self.w.s("}},\"responseElements\":null");
        let req_id = self.uuid_bytes();
        let acct = c.account.clone();
        let region = c.region;
        let res = move |w: &mut W| {
            w.s("{\"accountId\":")
                .q(&acct)
                .s(",\"type\":\"AWS::KMS::Key\",\"ARN\":\"arn:aws:kms:")
                .s(region)
                .s(":")
                .s(&acct)
                .s(":key/")
                .s(&key)
                .s("\"}");
        };
        let host = if via_s3 {
            None
        } else {
            self.maybe_host(format!("kms.{}.amazonaws.com", c.region))
        };
        self.tail(&req_id, true, true, Some(&res), false, host.as_deref());
    }

    fn ec2_describe(&mut self, time: i64, kind: usize) {
        let c = self.c;
        let node = &c.nodes[self.rng.below(c.nodes.len() as u64) as usize];
        let name = match kind {
            7 => "DescribeInstances",
            8 => "DescribeNetworkInterfaces",
            9 => "DescribeSubnets",
            _ => "DescribeVolumes",
        };
        // Mostly the CNI itself (facts §2.4), sometimes Karpenter / CSI driver / people.
        let cni = kind != 17 && self.rng.chance(0.7);
        let (ident, ua) = if cni {
            (
                if self.rng.chance(c.irsa_share) {
                    Ident::CniIrsa
                } else {
                    Ident::NodeRole(node)
                },
                CNI_UAS[node.ua],
            )
        } else {
            (self.app_ident(), SDK_UAS[8])
        };
        let version = self.version();
        self.head(&Rec {
            version,
            ident,
            time,
            source: "ec2.amazonaws.com",
            name,
            ip: Ip::Addr(node.public_ip),
            ua,
        });
        let throttled = self.rng.chance(0.02);
        if throttled {
            self.w.s(",\"errorCode\":\"Client.RequestLimitExceeded\",\"errorMessage\":\"Request limit exceeded.\"");
        }
        let w = &mut self.w;
        match kind {
            7 => {
                w.s(",\"requestParameters\":{\"instancesSet\":{\"items\":[{\"instanceId\":")
                    .q(&node.instance)
                    .s("}]},\"filterSet\":{}}");
            }
            8 => {
                if self.rng.chance(0.5) {
                    w.s(",\"requestParameters\":{\"networkInterfaceIdSet\":{\"items\":[");
                    for (i, e) in node.enis.iter().enumerate() {
                        if i > 0 {
                            w.s(",");
                        }
                        w.s("{\"networkInterfaceId\":").q(e).s("}");
                    }
                    w.s("]},\"filterSet\":{}}");
                } else {
                    w.s(",\"requestParameters\":{\"networkInterfaceIdSet\":{},\"filterSet\":{\"items\":[");
                    w.s("{\"name\":\"tag-key\",\"valueSet\":{\"items\":[{\"value\":\"node.k8s.amazonaws.com/instance_id\"}]}},");
                    w.s("{\"name\":\"status\",\"valueSet\":{\"items\":[{\"value\":\"available\"}]}},");
                    w.s("{\"name\":\"vpc-id\",\"valueSet\":{\"items\":[{\"value\":")
                        .q(&c.vpc)
                        .s("}]}}]},\"maxResults\":1000}");
                }
            }
            9 => {
                w.s(",\"requestParameters\":{\"subnetSet\":{},\"filterSet\":{\"items\":[{\"name\":\"vpc-id\",\"valueSet\":{\"items\":[{\"value\":");
                w.q(&c.vpc)
                    .s("}]}},{\"name\":\"availability-zone\",\"valueSet\":{\"items\":[{\"value\":")
                    .q(&c.subnets[node.subnet].1)
                    .s("}]}}]}}");
            }
            _ => {
                w.s(",\"requestParameters\":{\"volumeSet\":{},\"filterSet\":{\"items\":[{\"name\":\"attachment.instance-id\",\"valueSet\":{\"items\":[{\"value\":");
                w.q(&node.instance).s("}]}}]},\"maxResults\":500}");
            }
        }
        w.s(",\"responseElements\":null");
        let req_id = self.uuid_bytes();
        let host = self.maybe_host(self.ec2_host());
        self.tail(&req_id, true, true, None, false, host.as_deref());
    }

    fn simple(&mut self, time: i64, source: &'static str, name: &'static str, kind: usize) {
        let c = self.c;
        let ident = self.app_ident();
        let ip = self.client_ip();
        let ua = *self.rng.pick(&SDK_UAS);
        let version = self.version();
        self.head(&Rec {
            version,
            ident,
            time,
            source,
            name,
            ip,
            ua,
        });
        let w = &mut self.w;
        let rng = &mut self.rng;
        let mut management = true;
        let mut resources: Option<String> = None;
        match kind {
            10 => {
                w.s(",\"requestParameters\":{\"name\":")
                    .q(&c.name)
                    .s("},\"responseElements\":null");
            }
            11 => {
                management = false;
                w.s(",\"requestParameters\":{\"logGroupName\":\"/aws/containerinsights/")
                    .s(&c.name)
                    .s("/application\",\"logStreamName\":\"");
                w.s("ip-10-")
                    .n(rng.below(256))
                    .s("-")
                    .n(rng.below(256))
                    .s("-")
                    .n(rng.below(256))
                    .s(".")
                    .s(c.region)
                    .s(".compute.internal-application.var.log.containers.");
                w.s(APP_NS[rng.below(6) as usize])
                    .s("-")
                    .hex(rng, 10)
                    .s("-")
                    .alnum(rng, 5)
                    .s("_")
                    .s(APP_NS[rng.below(6) as usize])
                    .s("_app-")
                    .hex(rng, 24)
                    .s(".log\"");
                w.s(",\"sequenceToken\":null},\"responseElements\":null");
            }
            12 => {
                w.s(",\"requestParameters\":null,\"responseElements\":null");
            }
            13 => {
                w.s(",\"requestParameters\":{\"repositoryName\":\"")
                    .s(APP_NS[rng.below(6) as usize])
                    .s("/")
                    .s(WORDS[rng.below(16) as usize]);
                w.s("\",\"registryId\":")
                    .q(&c.account)
                    .s(",\"imageIds\":[{\"imageDigest\":\"sha256:")
                    .hex(rng, 64)
                    .s("\"}],\"acceptedMediaTypes\":[");
                w.s("\"application/vnd.docker.distribution.manifest.v2+json\",\"application/vnd.oci.image.manifest.v1+json\",\"application/vnd.oci.image.index.v1+json\"]},\"responseElements\":null");
                resources = Some(format!(
                    "{{\"accountId\":\"{}\",\"ARN\":\"arn:aws:ecr:{}:{}:repository/{}\"}}",
                    c.account,
                    c.region,
                    c.account,
                    WORDS[rng.below(16) as usize]
                ));
            }
            14 => {
                w.s(",\"requestParameters\":{\"name\":\"/")
                    .s(&c.name)
                    .s("/")
                    .s(WORDS[rng.below(16) as usize])
                    .s("/")
                    .s(WORDS[rng.below(16) as usize]);
                w.s("\",\"withDecryption\":true},\"responseElements\":null");
            }
            15 => {
                w.s(",\"requestParameters\":{\"secretId\":\"arn:aws:secretsmanager:")
                    .s(c.region)
                    .s(":")
                    .s(&c.account)
                    .s(":secret:");
                w.s(APP_NS[rng.below(6) as usize])
                    .s("/db-credentials-")
                    .alnum(rng, 6)
                    .s("\"},\"responseElements\":null");
            }
            16 => {
                w.s(",\"requestParameters\":{\"targetGroupArn\":\"arn:aws:elasticloadbalancing:")
                    .s(c.region)
                    .s(":")
                    .s(&c.account);
                w.s(":targetgroup/k8s-")
                    .s(APP_NS[rng.below(6) as usize])
                    .s("-")
                    .hex(rng, 10)
                    .s("/")
                    .hex(rng, 16)
                    .s("\"},\"responseElements\":null");
            }
            _ => {
                w.s(",\"requestParameters\":null,\"responseElements\":null");
            }
        }
        let req_id = self.uuid_bytes();
        let res_fn;
        let res: Option<&dyn Fn(&mut W)> = match resources {
            Some(text) => {
                res_fn = move |w: &mut W| {
                    w.s(&text);
                };
                Some(&res_fn)
            }
            None => None,
        };
        let host = self.maybe_host(format!(
            "{}.{}.amazonaws.com",
            source.trim_end_matches(".amazonaws.com"),
            c.region
        ));
        self.tail(&req_id, kind != 11, management, res, false, host.as_deref());
    }
}

fn ret(w: &mut W, req_id: &[u8], error: bool) {
    if error {
        w.s(",\"responseElements\":null");
    } else {
        w.s(",\"responseElements\":{\"requestId\":\"");
        w.buf.extend_from_slice(req_id);
        w.s("\",\"_return\":true}");
    }
}

fn cumulative<const N: usize>(w: &[u32; N]) -> [u32; N] {
    let mut out = [0; N];
    let mut acc = 0;
    for i in 0..N {
        acc += w[i];
        out[i] = acc;
    }
    out
}

impl W {
    /// A date like `2026-11-01` inside an S3 key, unquoted.
    fn date(&mut self, rng: &mut Rng) -> &mut Self {
        let day = 20_300 + rng.below(400) as i64;
        let mut b = Vec::with_capacity(20);
        crate::util::push_time(&mut b, day * 86_400);
        self.buf.extend_from_slice(&b[..10]);
        self
    }
}
