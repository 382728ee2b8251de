//! The end of every run: locks released, the audit record on each node.

use std::time::Instant;

use super::*;
use crate::deploy::event::{Emit, EmitStep, Step};
use crate::deploy::report::Report;
use crate::deploy::steps;
use crate::lock::{self, Holder};

pub(super) async fn release(fleet: &Fleet, locked: &[String], holder: &Holder, emit: &Emit) {
    let releases = locked
        .iter()
        .filter_map(|name| fleet.selected.get(name))
        .map(|conn| {
            let name = &conn.node.name;
            async move {
                emit.started(name, Step::Release);
                let began = Instant::now();
                let result = lock::release(&conn.node, &conn.remote, holder)
                    .await
                    .map(|()| None)
                    .map_err(|e| e.to_string());
                emit.finished(name, Step::Release, began, result);
            }
        });
    futures_util::future::join_all(releases).await;
}

pub(super) async fn audit_nodes(fleet: &Fleet, nodes: &[String], report: &Report) {
    let Ok(line) = serde_json::to_string(report) else {
        return;
    };
    let line = &line;
    let writes = nodes
        .iter()
        .filter_map(|name| fleet.selected.get(name))
        .map(|conn| async move {
            let _ = steps::append_audit(conn, line).await;
        });
    futures_util::future::join_all(writes).await;
}
