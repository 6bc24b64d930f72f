//! One entry point for "can A reach B on protocol/port P": resolve the
//! ends, resolve a named port on the destination, rule out the cases with
//! no verdict, and explain. `can-reach` and the TUI trace both ask here.

mod error;
mod port;
mod resolve;
mod service;
pub mod verify;

use std::fmt;
use std::net::IpAddr;

pub use error::QueryError;
pub use port::{PortQuery, PortQueryError};
pub use resolve::{Resolved, resolve};
pub use service::{
    Backend, Outcome, PortReach, ServiceReach, can_reach_service, lookup, parse_service_spec,
    resolve_service_client, target_in_class, target_on,
};

use super::explain::{Explanation, explain};
use super::index::Index;
use super::ipblock::IpRange;
use super::model::{PodKey, PortRef, Protocol};
use super::verdict::{Endpoint, NoVerdict};

/// One end of a connection as a user names it: a pod or an address.
/// (The verdict works on [`Endpoint`]s: a whole class, or an address range.)
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum End {
    Pod(PodKey),
    Ip(IpAddr),
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            End::Pod(k) => write!(f, "{k}"),
            End::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// The answer for one pair of ends (one per distinct pair of classes).
#[derive(Debug, Clone)]
pub struct Answer {
    /// The ends as shown.
    pub from: String,
    pub to: String,
    pub explanation: Explanation,
}

/// Every answer of a question, in the order of the ends.
#[derive(Debug, Clone)]
pub struct Reach {
    pub answers: Vec<Answer>,
}

impl Reach {
    /// Allowed if any pod of FROM may reach any pod of TO: saying "denied"
    /// while some pods can connect would give false confidence.
    pub fn allowed(&self) -> bool {
        self.answers.iter().any(|a| a.explanation.allowed)
    }
}

/// Can `from` reach `to`, on `port` (None: what is allowed at all)?
pub fn can_reach(
    idx: &Index,
    from: &Resolved,
    to: &Resolved,
    port: Option<&PortQuery>,
) -> Result<Reach, QueryError> {
    let mut answers = Vec::new();
    for fe in &from.ends {
        for te in &to.ends {
            let (fname, tname) = (from.label(fe), to.label(te));
            if fname == tname {
                return Err(QueryError::SamePod {
                    from: from.name.clone(),
                    to: to.name.clone(),
                });
            }
            let (fv, tv) = (endpoint(idx, fe)?, endpoint(idx, te)?);
            let q = match port {
                None => None,
                Some(p) => Some(numbered(idx, p, tv, &tname)?),
            };
            let v = idx.pair_verdict(fv, tv).map_err(|e| match e {
                NoVerdict::HostNetwork => QueryError::HostNetwork {
                    from: fname.clone(),
                    to: tname.clone(),
                },
                NoVerdict::NoPod => QueryError::NoPod,
            })?;
            let explanation = explain(idx, &v, &fname, &tname, q);
            answers.push(Answer {
                from: fname,
                to: tname,
                explanation,
            });
        }
    }
    Ok(Reach { answers })
}

pub(crate) fn endpoint(idx: &Index, e: &End) -> Result<Endpoint, QueryError> {
    match e {
        End::Ip(ip) => Ok(Endpoint::Ip(IpRange::single(*ip))),
        End::Pod(k) => idx
            .pod_class(k)
            .map(Endpoint::Class)
            .ok_or_else(|| QueryError::Gone(k.clone())),
    }
}

/// The port number asked about: a name is looked up among the ports the
/// destination declares, as Kubernetes does for named ports.
fn numbered(
    idx: &Index,
    q: &PortQuery,
    to: Endpoint,
    to_name: &str,
) -> Result<(Protocol, u16), QueryError> {
    let name = match &q.port {
        PortRef::Number(n) => return Ok((q.protocol, *n)),
        PortRef::Name(name) => name,
    };
    let Endpoint::Class(c) = to else {
        return Err(QueryError::NamedPortNeedsPod { name: name.clone() });
    };
    idx.class(c)
        .ports
        .iter()
        .find(|p| p.protocol == q.protocol && p.name.as_deref() == Some(name))
        .map(|p| (q.protocol, p.port))
        .ok_or_else(|| QueryError::NoNamedPort {
            to: to_name.to_string(),
            protocol: q.protocol,
            name: name.clone(),
        })
}
