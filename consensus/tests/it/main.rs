//! The crate's one test binary: property tests of the pure rules and the
//! seeded simulation of whole networks.

mod certificate_props;
mod driver;
mod keeper_props;
mod lock_props;
mod sim;
mod support;
