//! The `fleet.toml` of a devnet: `local` transport, each node's RPC through a
//! (local) tunnel to its own address, logs from its log file, restart through
//! `timectl devnet restart`.

use std::fmt::Write as _;
use std::path::Path;

use super::state::DevnetState;

/// The fleet file text for a devnet in `dir`.
///
/// `timectl` is the executable that restart commands call; `repo` the checkout
/// whose HEAD `status` compares with the running commit, if known.
pub(crate) fn render(
    state: &DevnetState,
    dir: &Path,
    timectl: &Path,
    repo: Option<&Path>,
    min_masternodes: usize,
) -> String {
    let s = |v: &str| toml::Value::String(v.to_string()).to_string();
    // Paths go into command templates: quoted for the shell, braces doubled so the
    // template reads them as literal text.
    let quoted = |p: &Path| {
        let text = p.display().to_string();
        let q = shlex::try_quote(&text).map_or(text.clone(), |q| q.into_owned());
        q.replace('{', "{{").replace('}', "}}")
    };
    let mut text = format!(
        "# Written by `timectl devnet up`: {} local timed daemons on loopback.\n\
         # Stop them with `timectl devnet down --dir {}`.\n\n\
         [fleet]\nname = {}\nmin_masternodes = {min_masternodes}\n\n\
         [defaults]\ntransport = \"local\"\nrpc = \"tunnel\"\nservice = \"timed\"\n",
        state.nodes.len(),
        dir.display(),
        s(&state.network),
    );
    if let Some(repo) = repo {
        let _ = writeln!(text, "repo = {}", s(&repo.display().to_string()));
    }
    let _ = write!(
        text,
        "\n[defaults.commands]\n\
         # The checkout is the developer's own: deploy builds what it holds, never pulls.\n\
         pull = \"true\"\n\
         build = \"cargo build -p timed\"\n\
         restart = {}\n\
         logs = {}\n",
        s(&format!(
            "{} devnet restart --dir {} {{node}}",
            quoted(timectl),
            quoted(dir)
        )),
        s(&format!("tail -n +1 -F {}/{{node}}/timed.log", quoted(dir))),
    );
    for node in &state.nodes {
        let _ = write!(
            text,
            "\n[[nodes]]\nname = {}\nhost = {}\nrpc_host = {}\nrpc_port = {}\n",
            s(&node.name),
            s(&node.p2p.ip().to_string()),
            s(&node.rpc.ip().to_string()),
            node.rpc.port(),
        );
    }
    text
}
