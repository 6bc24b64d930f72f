//! The Hubble Observer API messages `--hubble` uses, written by hand (no
//! protoc): only the fields netpol-tui reads, with the field numbers of
//! cilium/cilium `api/v1/observer/observer.proto` and `api/v1/flow/flow.proto`.
//! Other fields are skipped on decoding, as protobuf requires. Enums are kept
//! as their numbers; a oneof is read as optional fields (same wire format).
//! Public so that tests can serve them from a fake relay.

use prost::Message;

/// `observer.GetFlowsRequest`. `number` and `since` exclude each other.
#[derive(Clone, PartialEq, Message)]
pub struct GetFlowsRequest {
    /// The last `number` flows (0: no limit by count).
    #[prost(uint64, tag = "1")]
    pub number: u64,
    /// Keep streaming new flows after the buffered ones.
    #[prost(bool, tag = "3")]
    pub follow: bool,
    #[prost(message, optional, tag = "7")]
    pub since: Option<Timestamp>,
    #[prost(bool, tag = "9")]
    pub first: bool,
}

/// `observer.GetFlowsResponse`: a flow, or a notice (node status, lost events).
#[derive(Clone, PartialEq, Message)]
pub struct GetFlowsResponse {
    #[prost(message, optional, tag = "1")]
    pub flow: Option<Flow>,
    #[prost(message, optional, tag = "2")]
    pub node_status: Option<Opaque>,
    #[prost(message, optional, tag = "3")]
    pub lost_events: Option<Opaque>,
    #[prost(string, tag = "1000")]
    pub node_name: String,
    #[prost(message, optional, tag = "1001")]
    pub time: Option<Timestamp>,
}

/// A message whose content is not read, only its presence.
#[derive(Clone, PartialEq, Message)]
pub struct Opaque {}

/// `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, Eq, Message)]
pub struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// `google.protobuf.BoolValue`: present-and-false differs from absent.
#[derive(Clone, Copy, PartialEq, Eq, Message)]
pub struct BoolValue {
    #[prost(bool, tag = "1")]
    pub value: bool,
}

/// `flow.Flow`.
#[derive(Clone, PartialEq, Message)]
pub struct Flow {
    #[prost(message, optional, tag = "1")]
    pub time: Option<Timestamp>,
    /// `flow.Verdict`: 1 FORWARDED, 2 DROPPED, 3 ERROR, 4 AUDIT,
    /// 5 REDIRECTED, 6 TRACED, 7 TRANSLATED.
    #[prost(int32, tag = "2")]
    pub verdict: i32,
    /// Deprecated number of `drop_reason_desc`.
    #[prost(uint32, tag = "3")]
    pub drop_reason: u32,
    #[prost(message, optional, tag = "5")]
    pub ip: Option<Ip>,
    #[prost(message, optional, tag = "6")]
    pub l4: Option<Layer4>,
    #[prost(message, optional, tag = "8")]
    pub source: Option<Endpoint>,
    #[prost(message, optional, tag = "9")]
    pub destination: Option<Endpoint>,
    /// `flow.FlowType`: 1 L3_L4, 2 L7, 3 SOCK.
    #[prost(int32, tag = "10")]
    pub flow_type: i32,
    #[prost(string, tag = "11")]
    pub node_name: String,
    #[prost(message, optional, tag = "15")]
    pub l7: Option<Opaque>,
    /// Deprecated: false when unknown.
    #[prost(bool, tag = "16")]
    pub reply: bool,
    #[prost(message, optional, tag = "19")]
    pub event_type: Option<CiliumEventType>,
    #[prost(message, optional, tag = "21")]
    pub destination_service: Option<Service>,
    /// `flow.TrafficDirection`: 1 INGRESS, 2 EGRESS.
    #[prost(int32, tag = "22")]
    pub traffic_direction: i32,
    #[prost(int32, tag = "24")]
    pub trace_observation_point: i32,
    /// `flow.DropReason`: 133 POLICY_DENIED, 181 POLICY_DENY, 189 AUTH_REQUIRED, ...
    #[prost(int32, tag = "25")]
    pub drop_reason_desc: i32,
    #[prost(message, optional, tag = "26")]
    pub is_reply: Option<BoolValue>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Ip {
    #[prost(string, tag = "1")]
    pub source: String,
    #[prost(string, tag = "2")]
    pub destination: String,
    #[prost(int32, tag = "3")]
    pub ip_version: i32,
}

/// `flow.Layer4`: a oneof, one of these is set.
#[derive(Clone, PartialEq, Message)]
pub struct Layer4 {
    #[prost(message, optional, tag = "1")]
    pub tcp: Option<Tcp>,
    #[prost(message, optional, tag = "2")]
    pub udp: Option<Ports>,
    #[prost(message, optional, tag = "3")]
    pub icmpv4: Option<Icmp>,
    #[prost(message, optional, tag = "4")]
    pub icmpv6: Option<Icmp>,
    #[prost(message, optional, tag = "5")]
    pub sctp: Option<Ports>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Tcp {
    #[prost(uint32, tag = "1")]
    pub source_port: u32,
    #[prost(uint32, tag = "2")]
    pub destination_port: u32,
    #[prost(message, optional, tag = "3")]
    pub flags: Option<TcpFlags>,
}

/// `flow.UDP` and `flow.SCTP`.
#[derive(Clone, PartialEq, Message)]
pub struct Ports {
    #[prost(uint32, tag = "1")]
    pub source_port: u32,
    #[prost(uint32, tag = "2")]
    pub destination_port: u32,
}

#[derive(Clone, PartialEq, Message)]
pub struct Icmp {
    #[prost(uint32, tag = "1")]
    pub icmp_type: u32,
    #[prost(uint32, tag = "2")]
    pub code: u32,
}

#[derive(Clone, Copy, PartialEq, Eq, Message)]
pub struct TcpFlags {
    #[prost(bool, tag = "1")]
    pub fin: bool,
    #[prost(bool, tag = "2")]
    pub syn: bool,
    #[prost(bool, tag = "3")]
    pub rst: bool,
    #[prost(bool, tag = "5")]
    pub ack: bool,
}

#[derive(Clone, PartialEq, Message)]
pub struct Endpoint {
    #[prost(uint32, tag = "1")]
    pub id: u32,
    #[prost(uint32, tag = "2")]
    pub identity: u32,
    #[prost(string, tag = "3")]
    pub namespace: String,
    /// `k8s:key=value`, `reserved:world`, `cidr:…` strings.
    #[prost(string, repeated, tag = "4")]
    pub labels: Vec<String>,
    #[prost(string, tag = "5")]
    pub pod_name: String,
    #[prost(message, repeated, tag = "6")]
    pub workloads: Vec<Workload>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Workload {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub kind: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct Service {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub namespace: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Message)]
pub struct CiliumEventType {
    #[prost(int32, tag = "1")]
    pub event_type: i32,
    #[prost(int32, tag = "2")]
    pub sub_type: i32,
}

/// The gRPC method path of `Observer.GetFlows` (server streaming).
pub const GET_FLOWS: &str = "/observer.Observer/GetFlows";
