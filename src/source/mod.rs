//! Where cluster state comes from: YAML files, the embedded demo, or a live
//! cluster. Every source produces engine events; none computes verdicts.

pub mod convert;
pub mod demo;
pub mod files;
pub mod flows;
pub mod live;
mod load;
mod spec;
pub mod synth;

pub use load::{Loaded, load};
pub use spec::{Origin, Spec};
