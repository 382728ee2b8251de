use super::*;

const GOOD: &str = r#"
[fleet]
name = "testnet"

[defaults]
user = "timecoin"
repo = "/home/timecoin/timecoin"

[defaults.commands]
build = "cargo build --release --offline"

[[nodes]]
name = "LW-London"
host = "165.232.154.150"

[[nodes]]
name = "LW-Arizona"
host = "10.0.0.2"
user = "root"
port = 2222
rpc = "http://10.0.0.2:8332/"
binary = "/opt/time-masternode/target/release/timed"
[nodes.commands]
restart = "systemctl restart timed"
"#;

#[test]
fn defaults_apply_unless_the_node_sets_them() {
    let fleet = parse(GOOD).expect("parse");
    assert_eq!(fleet.name, "testnet");
    assert_eq!(fleet.min_masternodes, 3);
    let london = fleet.node("LW-London").expect("london");
    assert_eq!(london.user.as_deref(), Some("timecoin"));
    assert_eq!(london.port, 22);
    assert_eq!(london.transport, Transport::Ssh);
    assert_eq!(london.rpc, RpcAccess::Tunnel);
    assert_eq!(london.commands.build, "cargo build --release --offline");
    assert_eq!(london.commands.pull, "git pull --ff-only");
    assert_eq!(london.binary, DEFAULT_BINARY);
    let arizona = fleet.node("LW-Arizona").expect("arizona");
    assert_eq!(arizona.user.as_deref(), Some("root"));
    assert_eq!(arizona.port, 2222);
    assert_eq!(arizona.rpc, RpcAccess::Url("http://10.0.0.2:8332".into()));
    assert_eq!(arizona.commands.restart, "systemctl restart timed");
    assert_eq!(arizona.commands.build, "cargo build --release --offline");
    assert_eq!(arizona.binary, "/opt/time-masternode/target/release/timed");
}

proptest::proptest! {
    #[test]
    fn parsing_any_text_gives_a_fleet_or_an_error_never_a_panic(text in "(?s).{0,300}") {
        let _ = parse(&text);
    }

    #[test]
    fn error_lines_point_inside_the_file(extra in "[a-z_]{1,12}") {
        let text = format!("[fleet]\nname = \"x\"\n[[nodes]]\nname = \"n\"\nhost = \"h\"\n{extra} = 1\n");
        if let Err(e) = parse(&text) {
            let line = e.line.unwrap_or(0);
            proptest::prop_assert!(line >= 1 && line <= text.lines().count(), "{e}");
        }
    }
}

#[test]
fn node_keys_list_matches_the_struct() {
    let full = NodeTable {
        name: Some(String::new()),
        host: Some(String::new()),
        transport: Some(Transport::Local),
        user: Some(String::new()),
        port: Some(1),
        identity: Some(String::new()),
        known_hosts: Some(String::new()),
        accept_new_host_keys: Some(true),
        repo: Some(String::new()),
        binary: Some(String::new()),
        service: Some(String::new()),
        rpc: Some(String::new()),
        rpc_host: Some(String::new()),
        rpc_port: Some(1),
        api: Some(DaemonApi::TimeMasternode),
        rpc_user: Some(String::new()),
        rpc_password: Some(String::new()),
        rpc_cookie: Some(String::new()),
        rpc_fingerprint: Some(String::new()),
        rpc_trust_file: Some(String::new()),
        commands: Some(CommandTable {
            pull: Some(String::new()),
            build: Some(String::new()),
            restart: Some(String::new()),
            logs: Some(String::new()),
        }),
    };
    let value = serde_json::to_value(&full).expect("serialize");
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut known = NODE_KEYS.to_vec();
    known.sort_unstable();
    assert_eq!(keys, known);
    let cmds = value["commands"].as_object().expect("commands");
    assert_eq!(cmds.len(), COMMAND_KEYS.len());
}
