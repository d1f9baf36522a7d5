//! Who made a call: the CNI, the VPC resource controller, or someone else (facts §4).
//!
//! The user agent decides when it carries a marker. CNI v1.20–v1.21 and ≤ v1.6 carry none, so a
//! call with no marker is the CNI's when it comes from a node identity (the node role, whose
//! session is named after the instance, or an IRSA web-identity session) and acts on an ENI
//! the CNI owns: described `aws-K8S-…` or tagged `node.k8s.amazonaws.com/instance_id`.

use super::CNI_INSTANCE_TAG;
use super::sets::{get, path, string};
use crate::model::{Actor, EniEvent};
use serde_json::Value;

/// The user-agent token of the VPC CNI.
pub const CNI_AGENT: &str = "amazon-vpc-cni-k8s";
/// The user-agent token of the VPC resource controller.
pub const RESOURCE_CONTROLLER_AGENT: &str = "amazon-vpc-resource-controller-k8s";
/// The description ipamd gives its ENIs (the resource controller uses lower-case `aws-k8s-`).
pub const CNI_DESCRIPTION_PREFIX: &str = "aws-K8S-";

/// The actor a user agent names.
pub fn from_user_agent(ua: Option<&str>) -> Actor {
    match ua {
        Some(ua) if ua.contains(CNI_AGENT) => Actor::Cni,
        Some(ua) if ua.contains(RESOURCE_CONTROLLER_AGENT) => Actor::ResourceController,
        _ => Actor::Other,
    }
}

/// The CNI version in a user agent: `amazon-vpc-cni-k8s/v1.21.0` → `v1.21.0`. The v1.8–v1.19
/// form `amazon-vpc-cni-k8s/version/` carries an empty version and yields `None`.
pub fn cni_version(ua: &str) -> Option<String> {
    let at = ua.find(CNI_AGENT)? + CNI_AGENT.len();
    let rest = ua[at..].strip_prefix('/')?;
    let token = rest.split_whitespace().next().unwrap_or("");
    let token = token.strip_prefix("version/").unwrap_or(token);
    let token = token.trim_matches('/');
    (!token.is_empty()).then(|| token.to_string())
}

/// `Client.RequestLimitExceeded` → `RequestLimitExceeded`.
pub fn strip_error_class(code: &str) -> String {
    code.strip_prefix("Client.")
        .or_else(|| code.strip_prefix("Server."))
        .unwrap_or(code)
        .to_string()
}

/// The role session name: the last part of an assumed-role ARN, else what follows `:` in the
/// principal id.
pub fn session_name(identity: &Value) -> Option<String> {
    let from_arn = string(get(identity, "arn")).and_then(|arn| {
        let (_, rest) = arn.split_once(":assumed-role/")?;
        let (_, session) = rest.split_once('/')?;
        Some(session.to_string())
    });
    from_arn.or_else(|| {
        string(get(identity, "principalId"))
            .and_then(|p| p.split_once(':').map(|(_, s)| s.to_string()))
    })
}

/// True for an EC2 instance id such as `i-0123456789abcdef0`.
pub fn is_instance_id(s: &str) -> bool {
    s.strip_prefix("i-").is_some_and(|hex| {
        (8..=17).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Whether the caller is a node identity that ipamd may be using.
pub fn node_identity(identity: &Value, session: Option<&str>) -> bool {
    let irsa = path(
        identity,
        &["sessionContext", "webIdFederationData", "federatedProvider"],
    )
    .is_some_and(|p| !p.is_null());
    irsa || session.is_some_and(is_instance_id)
}

/// Whether the record shows this event's ENI to be the CNI's.
pub fn describes_cni_eni(e: &EniEvent, req: &Value, resp: &Value) -> bool {
    let described = e
        .description
        .as_deref()
        .is_some_and(|d| d.starts_with(CNI_DESCRIPTION_PREFIX));
    let tagged = e.eni_id.is_some()
        && [
            req,
            resp,
            path(resp, &["networkInterface"]).unwrap_or(&Value::Null),
        ]
        .iter()
        .any(|v| super::sets::tag(v, CNI_INSTANCE_TAG).is_some());
    described || tagged
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_from_every_documented_user_agent() {
        assert_eq!(
            cni_version("amazon-vpc-cni-k8s/version/ aws-sdk-go/1.40.6 (go1.16.10; linux; amd64)"),
            None
        );
        assert_eq!(
            cni_version("aws-sdk-go/1.33.14 (go1.13.15; linux; amd64) amazon-vpc-cni-k8s"),
            None
        );
        assert_eq!(
            cni_version("aws-sdk-go-v2/1.39.2 ua/2.1 os/linux lang/go#1.25.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.254.1 amazon-vpc-cni-k8s/v1.21.0 m/0,E")
                .as_deref(),
            Some("v1.21.0")
        );
        assert_eq!(
            cni_version("amazon-vpc-cni-k8s/version/v1.12.6 aws-sdk-go/1.44").as_deref(),
            Some("v1.12.6")
        );
        assert_eq!(
            from_user_agent(Some("aws-sdk-go-v2/1.39.2 ua/2.1 os/linux")),
            Actor::Other
        );
        assert_eq!(
            from_user_agent(Some(
                "amazon-vpc-resource-controller-k8s/v1.7.0 aws-sdk-go/1.55"
            )),
            Actor::ResourceController
        );
    }

    #[test]
    fn sessions_and_identities() {
        let node = json!({"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/NodeRole/i-0123456789abcdef0"});
        assert_eq!(session_name(&node).as_deref(), Some("i-0123456789abcdef0"));
        assert!(node_identity(&node, session_name(&node).as_deref()));
        let irsa = json!({"principalId":"AROA:1700000000000000000","sessionContext":{"webIdFederationData":{"federatedProvider":"arn:aws:iam::1:oidc-provider/x"}}});
        assert_eq!(session_name(&irsa).as_deref(), Some("1700000000000000000"));
        assert!(node_identity(&irsa, None));
        let person = json!({"arn":"arn:aws:sts::1:assumed-role/Admin/alice"});
        assert!(!node_identity(&person, Some("alice")));
        assert_eq!(
            strip_error_class("Client.RequestLimitExceeded"),
            "RequestLimitExceeded"
        );
        assert_eq!(strip_error_class("Server.Unavailable"), "Unavailable");
        assert_eq!(
            strip_error_class("InvalidParameterValue"),
            "InvalidParameterValue"
        );
    }
}
