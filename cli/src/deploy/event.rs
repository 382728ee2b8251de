//! What the engine reports as it runs: one typed event per thing that happened,
//! rendered by `cmd/deploy.rs` as progress, plain lines or a JSON stream.

use serde::Serialize;

/// A step of one node's deploy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Step {
    Connect,
    Lock,
    Preflight,
    Keep,
    Pull,
    Build,
    /// `--build-on`: the builder's binary arriving on another node.
    Ship,
    Restore,
    Restart,
    Gate,
    Rollback,
    Release,
}

impl Step {
    /// The name used in plain output and JSON.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Step::Connect => "connect",
            Step::Lock => "lock",
            Step::Preflight => "preflight",
            Step::Keep => "keep",
            Step::Pull => "pull",
            Step::Build => "build",
            Step::Ship => "ship",
            Step::Restore => "restore",
            Step::Restart => "restart",
            Step::Gate => "gate",
            Step::Rollback => "rollback",
            Step::Release => "release",
        }
    }
}

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum StepEnd {
    Ok,
    Failed,
}

/// One thing a health gate checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum GateCheck {
    /// The node's API answers.
    Rpc,
    /// It runs the target commit.
    Commit,
    /// Its peers are back to the fleet's count.
    Peers,
    /// The active masternodes are back to the fleet's count.
    Masternodes,
    /// Its height is within one block of the fleet.
    Height,
    /// Its height rose since the gate began.
    Rising,
    /// Its journal since the restart holds none of the incident's signatures.
    Journal,
}

impl GateCheck {
    /// Every check, in the order a gate reports them.
    pub(crate) const ALL: [GateCheck; 7] = [
        GateCheck::Rpc,
        GateCheck::Commit,
        GateCheck::Peers,
        GateCheck::Masternodes,
        GateCheck::Height,
        GateCheck::Rising,
        GateCheck::Journal,
    ];

    /// The name used in plain output and JSON.
    pub(crate) fn name(self) -> &'static str {
        match self {
            GateCheck::Rpc => "rpc",
            GateCheck::Commit => "commit",
            GateCheck::Peers => "peers",
            GateCheck::Masternodes => "masternodes",
            GateCheck::Height => "height",
            GateCheck::Rising => "rising",
            GateCheck::Journal => "journal",
        }
    }
}

impl std::fmt::Display for GateCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One check of a health gate, with what was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Check {
    pub(crate) name: GateCheck,
    pub(crate) ok: bool,
    /// What was observed against what was expected.
    pub(crate) evidence: String,
}

/// One event of a deploy or rollback.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub(crate) enum Event {
    /// The rollout's order: restart batches, after preflight measured the fleet.
    Plan {
        batches: Vec<Vec<String>>,
        live_masternodes: usize,
        min_masternodes: usize,
    },
    /// A step began on a node.
    Started { node: String, step: Step },
    /// A line of a step's output (pull, build).
    Output {
        node: String,
        step: Step,
        line: String,
    },
    /// A step ended on a node.
    Finished {
        node: String,
        step: Step,
        end: StepEnd,
        secs: f64,
        /// Why it failed, or what it found.
        detail: Option<String>,
    },
    /// A gate's verdict with every check's evidence.
    Gate {
        node: String,
        passed: bool,
        checks: Vec<Check>,
    },
    /// Something the operator must know that belongs to no single step.
    Notice { message: String },
}

/// Where the deploy engine's events go: any [`crate::emit::Emit`] of [`Event`]
/// (a channel to `cmd/deploy.rs`'s renderer, or a test's).
pub(crate) type Emit = dyn crate::emit::Emit<Event>;

/// The engine's shorthands for the events it sends most.
pub(crate) trait EmitStep: crate::emit::Emit<Event> {
    /// A step began.
    fn started(&self, node: &str, step: Step) {
        self.emit(Event::Started {
            node: node.into(),
            step,
        });
    }

    /// A step ended.
    fn finished(
        &self,
        node: &str,
        step: Step,
        started: std::time::Instant,
        result: Result<Option<String>, String>,
    ) {
        let (end, detail) = match result {
            Ok(detail) => (StepEnd::Ok, detail),
            Err(why) => (StepEnd::Failed, Some(why)),
        };
        self.emit(Event::Finished {
            node: node.into(),
            step,
            end,
            secs: started.elapsed().as_secs_f64(),
            detail,
        });
    }

    /// A notice.
    fn notice(&self, message: impl Into<String>) {
        self.emit(Event::Notice {
            message: message.into(),
        });
    }
}

impl<T: crate::emit::Emit<Event> + ?Sized> EmitStep for T {}
