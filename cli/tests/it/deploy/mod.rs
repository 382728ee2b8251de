//! `timectl deploy`, `rollback` and `lock` against a real sshd on 127.0.0.1-4,
//! a real git repo per node and real `timed` daemons.

mod fixture;
pub(crate) mod fleet;
mod lock;
mod rollout;
mod ship;

pub(crate) use fixture::git;
