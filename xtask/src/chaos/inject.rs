//! Puts a scheduled fault on the hosts and takes it off again. Network faults
//! are nftables rules (and `tc netem` where the kernel has it) in a host's own
//! network namespace, never this machine's; process faults are systemctl on the
//! host; a clock step rewrites the offset libfaketime reads for the daemon; the
//! deploy and the rollback are the operator's `timectl`, run from the
//! controller namespace while the run keeps watching.

use std::io::Write as _;
use std::process::{Child, Stdio};

use crate::chaos::cluster::{CLOCK_FILE, Cluster};
use crate::chaos::plan::Fault;
use crate::chaos::report::model::Outcome;
use crate::command::output;

/// The nftables table every network fault lives in; deleting it heals.
const TABLE: &str = "chaos";

/// A fault that is on: done, or a command still running (deploy, rollback).
pub(crate) enum Applied {
    Done(Outcome),
    Running(Child),
}

/// The other hosts' addresses, as an nftables set.
fn peers_of(cluster: &Cluster, node: usize, of: &[usize]) -> String {
    let ips: Vec<String> = of
        .iter()
        .filter(|j| **j != node)
        .map(|j| cluster.lab.ip(*j))
        .collect();
    format!("{{ {} }}", ips.join(", "))
}

/// Loads `rules` into host `node`'s firewall as the chaos table's input and
/// output chains.
fn firewall(cluster: &Cluster, node: usize, input: &str, output_rule: &str) -> Result<(), String> {
    let script = format!(
        "table inet {TABLE} {{\n chain input {{ type filter hook input priority 0; policy accept; {input} }}\n \
         chain output {{ type filter hook output priority 0; policy accept; {output_rule} }}\n}}\n"
    );
    let mut child = cluster
        .lab
        .in_host(node, "nft")
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("nft on n{node}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .map_err(|e| format!("nft on n{node}: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("nft on n{node}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "nft on n{node}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Cuts `node` from `others`, both ways.
fn cut(cluster: &Cluster, node: usize, others: &[usize]) -> Result<(), String> {
    let set = peers_of(cluster, node, others);
    firewall(
        cluster,
        node,
        &format!("ip saddr {set} drop;"),
        &format!("ip daddr {set} drop;"),
    )
}

/// Why `tc netem` cannot run here, or `None` when it can.
pub(crate) fn netem_missing(cluster: &Cluster) -> Option<String> {
    let mut add = cluster.lab.in_host(1, "tc");
    add.args(["qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"]);
    match output(add, "tc qdisc add ... netem") {
        Ok(_) => {
            let mut del = cluster.lab.in_host(1, "tc");
            del.args(["qdisc", "del", "dev", "lo", "root"]);
            let _ = output(del, "tc qdisc del");
            None
        }
        Err(e) => Some(format!(
            "this kernel has no sch_netem, so no delay or reordering could be injected ({})",
            e.lines().last().unwrap_or("").trim()
        )),
    }
}

fn netem(cluster: &Cluster, node: usize, args: &[String]) -> Result<(), String> {
    let mut cmd = cluster.lab.in_host(node, "tc");
    cmd.args(["qdisc", "add", "dev", "eth0", "root", "netem"])
        .args(args);
    output(cmd, &format!("tc netem on n{node}")).map(drop)
}

fn done(result: Result<(), String>) -> Applied {
    Applied::Done(match result {
        Ok(()) => Outcome::Injected,
        Err(reason) => Outcome::Failed { reason },
    })
}

fn systemctl(cluster: &Cluster, node: usize, verb: &str) -> Result<(), String> {
    cluster
        .ssh(node, &format!("systemctl {verb} timed"))
        .map(drop)
}

fn spawn(cluster: &Cluster, args: &[&str], log: &std::path::Path) -> Applied {
    let file = match std::fs::File::create(log) {
        Ok(f) => f,
        Err(e) => return done(Err(format!("{}: {e}", log.display()))),
    };
    let mut cmd = cluster.timectl(args);
    let err = file.try_clone().map(Stdio::from);
    cmd.stdout(file);
    if let Ok(err) = err {
        cmd.stderr(err);
    }
    match cmd.spawn() {
        Ok(child) => Applied::Running(child),
        Err(e) => done(Err(format!("timectl {}: {e}", args[0]))),
    }
}

/// Turns `fault` on. `netem` says why tc netem is missing, if it is; `logs` is
/// where the deploy and rollback write their JSON events.
pub(crate) fn apply(
    cluster: &Cluster,
    fault: &Fault,
    netem_missing: Option<&str>,
    logs: &std::path::Path,
) -> Applied {
    let all: Vec<usize> = (1..=cluster.nodes()).collect();
    match fault {
        Fault::Isolate { node } => done(cut(cluster, *node, &all)),
        Fault::Split { side } => {
            let rest: Vec<usize> = all.iter().copied().filter(|n| !side.contains(n)).collect();
            done(side.iter().try_for_each(|n| cut(cluster, *n, &rest)))
        }
        Fault::OneWay { from, to } => done(firewall(
            cluster,
            *to,
            &format!("ip saddr {} drop;", cluster.lab.ip(*from)),
            "",
        )),
        Fault::Loss { node, percent } => {
            let set = peers_of(cluster, *node, &all);
            done(firewall(
                cluster,
                *node,
                &format!("ip saddr {set} numgen random mod 100 < {percent} drop;"),
                &format!("ip daddr {set} numgen random mod 100 < {percent} drop;"),
            ))
        }
        Fault::Delay { .. } | Fault::Reorder { .. } if netem_missing.is_some() => {
            Applied::Done(Outcome::Skipped {
                reason: netem_missing.unwrap_or_default().to_owned(),
            })
        }
        Fault::Delay { node, millis } => done(netem(
            cluster,
            *node,
            &[
                "delay".into(),
                format!("{millis}ms"),
                format!("{}ms", millis / 2),
            ],
        )),
        Fault::Reorder { node, percent } => done(netem(
            cluster,
            *node,
            &[
                "delay".into(),
                "50ms".into(),
                "reorder".into(),
                format!("{percent}%"),
                "50%".into(),
            ],
        )),
        Fault::Kill { node } => done(systemctl(cluster, *node, "kill -s KILL")),
        Fault::Restart { node } => done(systemctl(cluster, *node, "restart")),
        Fault::Stop { node } => done(systemctl(cluster, *node, "stop")),
        Fault::ClockStep { node, millis } => done(
            cluster
                .ssh(
                    *node,
                    &format!("echo {:+} > {CLOCK_FILE}", *millis as f64 / 1000.0),
                )
                .map(drop),
        ),
        Fault::Deploy => match cluster.publish(&cluster.next) {
            Ok(()) => spawn(
                cluster,
                &[
                    "deploy",
                    "--yes",
                    "--output",
                    "json",
                    "--gate-timeout",
                    "120s",
                ],
                &logs.join("deploy.jsonl"),
            ),
            Err(e) => done(Err(e)),
        },
        Fault::Rollback => spawn(
            cluster,
            &[
                "rollback",
                "--yes",
                "--output",
                "json",
                "--gate-timeout",
                "120s",
            ],
            &logs.join("rollback.jsonl"),
        ),
    }
}

/// Whether a finished deploy (exit 0) or rollback (exit 4) did its job.
pub(crate) fn finished(fault: &Fault, code: Option<i32>) -> Outcome {
    let wanted = if *fault == Fault::Rollback { 4 } else { 0 };
    if code == Some(wanted) {
        Outcome::Injected
    } else {
        Outcome::Failed {
            reason: format!("timectl {} exited {code:?}, not {wanted}", fault.kind()),
        }
    }
}

/// Turns `fault` off. Faults that end by themselves (a kill, a restart, a
/// finished command) need nothing.
pub(crate) fn heal(cluster: &Cluster, fault: &Fault) -> Result<(), String> {
    let unfirewall = |nodes: &[usize]| {
        nodes.iter().try_for_each(|n| {
            let mut cmd = cluster.lab.in_host(*n, "nft");
            cmd.args(["delete", "table", "inet", TABLE]);
            output(cmd, &format!("heal n{n}")).map(drop)
        })
    };
    match fault {
        Fault::Isolate { node } | Fault::Loss { node, .. } => unfirewall(&[*node]),
        Fault::Split { side } => unfirewall(side),
        Fault::OneWay { to, .. } => unfirewall(&[*to]),
        Fault::Delay { node, .. } | Fault::Reorder { node, .. } => {
            let mut cmd = cluster.lab.in_host(*node, "tc");
            cmd.args(["qdisc", "del", "dev", "eth0", "root"]);
            output(cmd, &format!("heal n{node}")).map(drop)
        }
        Fault::Stop { node } => systemctl(cluster, *node, "start"),
        Fault::ClockStep { node, .. } => cluster
            .ssh(*node, &format!("echo +0 > {CLOCK_FILE}"))
            .map(drop),
        Fault::Kill { .. } | Fault::Restart { .. } | Fault::Deploy | Fault::Rollback => Ok(()),
    }
}
