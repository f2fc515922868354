/* The YAML configuration: the shipped file, each section, and the one-line
 * errors for unknown keys and bad values. */
#include "testutil.h"

#include "sensor/config.h"
#include "sensor/options.h"

static bool load(pw_options *o, const char *text, char *err, size_t n)
{
    pw_options_default(o);
    err[0] = 0;
    return config_load_string(o, "test.yaml", text, strlen(text), err, n);
}

static void test_shipped_config_equals_defaults(void **state)
{
    (void)state;
    pw_options def, o;
    char err[512];
    pw_options_default(&def);
    pw_options_default(&o);
    assert_true(config_load(&o, "conf/pipewatch.yaml", err, sizeof(err)));
    /* The shipped file documents the defaults: loading it changes nothing that matters. */
    assert_int_equal(o.flow.max_flows, def.flow.max_flows);
    assert_int_equal(o.flow.tcp_timeout_usec, def.flow.tcp_timeout_usec);
    assert_int_equal(o.flow.tcp_closed_timeout_usec, def.flow.tcp_closed_timeout_usec);
    assert_int_equal(o.flow.udp_timeout_usec, def.flow.udp_timeout_usec);
    assert_int_equal(o.stream.memcap, def.stream.memcap);
    assert_int_equal(o.stream.max_held_per_dir, def.stream.max_held_per_dir);
    assert_int_equal(o.smb.max_sessions, def.smb.max_sessions);
    assert_int_equal(o.smb.max_trees, def.smb.max_trees);
    assert_int_equal(o.smb.max_files, def.smb.max_files);
    assert_int_equal(o.smb.max_pending, def.smb.max_pending);
    assert_int_equal(o.smb.max_pdu_buffer, def.smb.max_pdu_buffer);
    assert_int_equal(o.smb.max_rpc_buffer, def.smb.max_rpc_buffer);
    assert_int_equal(o.smb.max_rpc_buffer, 262144);
    assert_int_equal(o.defrag_memcap, def.defrag_memcap);
    assert_int_equal(o.n_smb_ports, 2);
    assert_int_equal(o.smb_ports[0], 139);
    assert_int_equal(o.smb_ports[1], 445);
    assert_int_equal(o.n_interfaces, 0);
    assert_int_equal(o.n_rule_paths, 0);
    assert_string_equal(o.eve_filename, "-");
    assert_true(o.log_smb && o.log_winlog && o.log_alert && o.log_flow && o.log_stats);
    assert_string_equal(o.live_bpf, "tcp port 445 or tcp port 139");
    assert_null(o.bpf); /* the live filter is not the replay's */
    config_release();
}

static void test_values_applied(void **state)
{
    (void)state;
    pw_options o;
    char err[512];
    const char *y = "outputs:\n"
                    "  - eve-log:\n"
                    "      filename: /var/log/pipewatch/eve.json\n"
                    "      filetype: unix_dgram\n"
                    "      types: [alert, stats]\n"
                    "flow-timeouts:\n"
                    "  tcp:\n"
                    "    established: 120\n"
                    "stream:\n"
                    "  midstream: no\n"
                    "  reassembly:\n"
                    "    memcap: 2mb\n"
                    "app-layer:\n"
                    "  protocols:\n"
                    "    smb:\n"
                    "      detection-ports:\n"
                    "        dp: 445, 8445\n"
                    "      max-trees: 7\n"
                    "      max-rpc-buffer: 32kb\n"
                    "af-packet:\n"
                    "  - interface: eth1\n"
                    "    threads: 2\n"
                    "  - interface: eth2\n"
                    "rule-files:\n"
                    "  - /etc/pipewatch/rules\n";
    assert_true(load(&o, y, err, sizeof(err)));
    assert_string_equal(o.eve_filename, "/var/log/pipewatch/eve.json");
    assert_string_equal(o.eve_filetype, "unix_dgram");
    assert_true(o.log_alert && o.log_stats);
    assert_false(o.log_smb || o.log_winlog || o.log_flow);
    assert_int_equal(o.flow.tcp_timeout_usec, 120ull * 1000000);
    assert_false(o.stream.midstream);
    assert_int_equal(o.stream.memcap, 2u << 20);
    assert_int_equal(o.n_smb_ports, 2);
    assert_int_equal(o.smb_ports[1], 8445);
    assert_int_equal(o.smb.max_trees, 7);
    assert_int_equal(o.smb.max_rpc_buffer, 32 * 1024);
    assert_int_equal(o.n_interfaces, 2);
    assert_string_equal(o.interfaces[0], "eth1");
    assert_string_equal(o.interfaces[1], "eth2");
    assert_int_equal(o.workers, 2);
    assert_int_equal(o.n_rule_paths, 1);
    assert_string_equal(o.rule_paths[0], "/etc/pipewatch/rules");
    config_release();
}

/* Every key of the table once, each with a value other than its default,
 * and where it lands (units converted). */
static void test_every_key(void **state)
{
    (void)state;
    pw_options o;
    char err[512];
    const char *y = "rule-files: /r1\n"
                    "skip-bad-rules: yes\n"
                    "outputs:\n"
                    "  - eve-log:\n"
                    "      enabled: yes\n"
                    "      filename: /tmp/e.json\n"
                    "      append: no\n"
                    "      filetype: unix_stream\n"
                    "      layout: eve\n"
                    "      types:\n"
                    "        - smb\n"
                    "        - flow: {}\n"
                    "      redis:\n"
                    "        server: 10.0.0.9\n"
                    "        port: 6380\n"
                    "        unix-socket: /run/redis.sock\n"
                    "        key: eve\n"
                    "        mode: channel\n"
                    "        password: pw\n"
                    "      syslog:\n"
                    "        protocol: tcp\n"
                    "        server: 10.0.0.8\n"
                    "        port: 6514\n"
                    "        facility: local1\n"
                    "        level: warning\n"
                    "      gelf:\n"
                    "        protocol: tcp\n"
                    "        server: 10.0.0.7\n"
                    "        port: 12202\n"
                    "        chunk-size: 1420\n"
                    "af-packet:\n"
                    "  - interface: eth9\n"
                    "    threads: auto\n"
                    "    cluster-id: 77\n"
                    "    cluster-type: cluster_hash\n"
                    "    buffer-size: 8mb\n"
                    "    promisc: no\n"
                    "    snaplen: 1500\n"
                    "    bpf-filter: tcp port 445\n"
                    "  - interface: default\n"
                    "threading:\n"
                    "  priority: -5\n"
                    "pcap-file:\n"
                    "  bpf-filter: tcp\n"
                    "stats:\n"
                    "  enabled: no\n"
                    "  interval: 30\n"
                    "flow:\n"
                    "  memcap: 4mb\n"
                    "flow-timeouts:\n"
                    "  tcp:\n"
                    "    established: 61\n"
                    "    closed: 7\n"
                    "    emergency-established: 9\n"
                    "  udp:\n"
                    "    new: 11\n"
                    "stream:\n"
                    "  memcap: 1mb\n"
                    "  midstream: no\n"
                    "  reassembly:\n"
                    "    max-held-per-direction: 8kb\n"
                    "defrag:\n"
                    "  memcap: 128kb\n"
                    "  timeout: 13\n"
                    "app-layer:\n"
                    "  protocols:\n"
                    "    smb:\n"
                    "      enabled: yes\n"
                    "      detection-ports:\n"
                    "        dp: [445, 1445]\n"
                    "      max-sessions: 3\n"
                    "      max-files: 4\n"
                    "      max-pending: 5\n"
                    "      memcap: 2mb\n"
                    "      max-pdu-buffer: 2kb\n"
                    "  ndpi:\n"
                    "    enabled: no\n"
                    "    max-packets: 9\n"
                    "run-as:\n"
                    "  user: nobody\n"
                    "  group: nogroup\n";
    if (!load(&o, y, err, sizeof(err)))
        fail_msg("%s", err);
    assert_int_equal(o.n_rule_paths, 1);
    assert_string_equal(o.rule_paths[0], "/r1");
    assert_true(o.skip_bad_rules);
    assert_string_equal(o.eve_filename, "/tmp/e.json");
    assert_false(o.eve_append);
    assert_string_equal(o.eve_filetype, "unix_stream");
    assert_string_equal(o.layout, "eve");
    assert_string_equal(o.redis.server, "10.0.0.9");
    assert_int_equal(o.redis.port, 6380);
    assert_string_equal(o.redis.unix_socket, "/run/redis.sock");
    assert_string_equal(o.redis.key, "eve");
    assert_string_equal(o.redis.mode, "channel");
    assert_string_equal(o.redis.password, "pw");
    assert_string_equal(o.syslog.protocol, "tcp");
    assert_string_equal(o.syslog.server, "10.0.0.8");
    assert_int_equal(o.syslog.port, 6514);
    assert_string_equal(o.syslog.facility, "local1");
    assert_string_equal(o.syslog.level, "warning");
    assert_string_equal(o.gelf.protocol, "tcp");
    assert_string_equal(o.gelf.server, "10.0.0.7");
    assert_int_equal(o.gelf.port, 12202);
    assert_int_equal(o.gelf.chunk_size, 1420);
    assert_true(o.log_smb && o.log_flow);
    assert_false(o.log_winlog || o.log_alert || o.log_stats);
    assert_int_equal(o.n_interfaces, 1);
    assert_string_equal(o.interfaces[0], "eth9");
    assert_int_equal(o.workers, 0);
    assert_int_equal(o.cluster_id, 77);
    assert_int_equal(o.priority, -5);
    assert_int_equal(o.buffer_size_mb, 8);
    assert_false(o.promisc);
    assert_int_equal(o.snaplen, 1500);
    assert_string_equal(o.bpf, "tcp");
    assert_string_equal(o.live_bpf, "tcp port 445");
    assert_int_equal(o.stats_interval_usec, 30ull * 1000000);
    assert_int_equal(o.flow.max_flows, 4096);
    assert_int_equal(o.flow.tcp_timeout_usec, 61ull * 1000000);
    assert_int_equal(o.flow.tcp_closed_timeout_usec, 7ull * 1000000);
    assert_int_equal(o.flow.emergency_timeout_usec, 9ull * 1000000);
    assert_int_equal(o.flow.udp_timeout_usec, 11ull * 1000000);
    assert_int_equal(o.stream.memcap, 1u << 20);
    assert_false(o.stream.midstream);
    assert_int_equal(o.stream.max_held_per_dir, 8192);
    assert_int_equal(o.defrag_memcap, 128 * 1024);
    assert_int_equal(o.defrag_timeout_usec, 13ull * 1000000);
    assert_int_equal(o.n_smb_ports, 2);
    assert_int_equal(o.smb_ports[1], 1445);
    assert_int_equal(o.smb.max_sessions, 3);
    assert_int_equal(o.smb.max_files, 4);
    assert_int_equal(o.smb.max_pending, 5);
    assert_int_equal(o.smb_memcap, 2u << 20);
    assert_int_equal(o.smb.max_pdu_buffer, 2048);
    assert_false(o.appid_enabled);
    assert_int_equal(o.appid_max_packets, 9);
    assert_string_equal(o.run_as_user, "nobody");
    assert_string_equal(o.run_as_group, "nogroup");

    /* Switches that turn several settings off at once. */
    assert_true(load(&o, "app-layer:\n  protocols:\n    smb:\n      enabled: no\n", err, sizeof(err)));
    assert_int_equal(o.n_smb_ports, 0);
    assert_true(load(&o, "outputs:\n  - eve-log:\n      enabled: no\n", err, sizeof(err)));
    assert_false(o.log_smb || o.log_winlog || o.log_alert || o.log_flow || o.log_stats);
    /* The other spellings of the same destination. */
    assert_true(load(&o, "flow-timeouts:\n  udp:\n    established: 12\n", err, sizeof(err)));
    assert_int_equal(o.flow.udp_timeout_usec, 12ull * 1000000);
    assert_true(load(&o, "stream:\n  reassembly:\n    memcap: 3mb\n", err, sizeof(err)));
    assert_int_equal(o.stream.memcap, 3u << 20);
    assert_true(load(&o, "flow:\n  max-flows: 5000\n", err, sizeof(err)));
    assert_int_equal(o.flow.max_flows, 5000);
    assert_true(load(&o, "af-packet:\n  - threads: 3\n", err, sizeof(err)));
    assert_int_equal(o.workers, 3);
    assert_true(load(&o, "outputs:\n  - eve-log:\n      filetype: regular\n", err, sizeof(err)));
    assert_string_equal(o.eve_filetype, "regular");
    config_release();
}

/* The bounds of each kind of key, and where the message points. */
static void test_bounds(void **state)
{
    (void)state;
    pw_options o;
    char err[512];
    assert_false(load(&o, "flow:\n  max-flows: 15\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:2: flow.max-flows: '15' is not a whole number from 16 to 100000000");
    assert_false(load(&o, "flow:\n  memcap: 1kb\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:2: flow.memcap: '1kb' is not a size from 1048576 to 1099511627776 bytes "
                             "(e.g. 64mb, 512kb)");
    assert_false(load(&o, "af-packet:\n  - threads: 65\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:2: af-packet.threads: '65' is not a whole number from 1 to 64");
    assert_false(load(&o, "af-packet:\n  - cluster-type: cluster_cpu\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:2: af-packet.cluster-type: 'cluster_cpu' is not supported (cluster_flow or "
                             "cluster_hash keep both directions of a flow on one worker)");
    static const char *const bad_nice[] = {"-21", "20", "high", "-1.5"};
    for (size_t i = 0; i < sizeof(bad_nice) / sizeof(bad_nice[0]); i++) {
        char y[64], want[128];
        snprintf(y, sizeof y, "threading:\n  priority: %s\n", bad_nice[i]);
        snprintf(want, sizeof want, "test.yaml:2: threading.priority: '%s' is not a nice value from -20 to 19",
                 bad_nice[i]);
        assert_false(load(&o, y, err, sizeof(err)));
        assert_string_equal(err, want);
    }
    assert_true(load(&o, "threading:\n  priority: 19\n", err, sizeof(err)));
    assert_int_equal(o.priority, 19);
    assert_true(load(&o, "threading:\n  priority: -20\n", err, sizeof(err)));
    assert_int_equal(o.priority, -20);
    assert_false(load(&o, "af-packet:\n  - snaplen: [1]\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:2: af-packet.snaplen: expected a single value");
    assert_false(load(&o, "af-packet:\n  - colour: red\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:2: af-packet.colour: unknown key");
    assert_false(load(&o, "af-packet: eth0\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:1: af-packet: expected a list");
    assert_false(load(&o, "run-as:\n  user: [a]\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:2: run-as.user: expected a single value");
    assert_false(load(&o, "stats:\n  interval: 86401\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:2: stats.interval: '86401' is not a whole number from 0 to 86400");
    assert_false(load(&o, "app-layer:\n  protocols:\n    smb:\n      max-files: 0\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:4: app-layer.protocols.smb.max-files: '0' is not a whole number from 1 to "
                             "1000000");
    assert_false(load(&o, "app-layer:\n  protocols:\n    smb:\n      detection-ports:\n        dp: [0]\n", err,
                      sizeof(err)));
    assert_string_equal(err, "test.yaml:5: app-layer.protocols.smb.detection-ports.dp: '0' is not a whole number "
                             "from 1 to 65535");
    assert_false(load(&o, "rule-files: {a: b}\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:1: rule-files: expected a list of rule files or directories");
    assert_false(load(&o, "outputs:\n  - eve-log:\n      types: smb\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:3: outputs.eve-log.types: expected a list such as [smb, winlog, alert, "
                             "flow, stats, incident]");
    assert_false(load(&o, "outputs:\n  - eve-log:\n      layout: cef\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:3: outputs.eve-log.layout: 'cef' is not one of eve, ecs, splunk, gelf, logpoint");
    assert_false(load(&o, "outputs:\n  - eve-log:\n      filetype: kafka\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:3: outputs.eve-log.filetype: 'kafka' is not one of regular, unix_stream, "
                             "unix_dgram, redis, syslog, gelf");
    assert_false(load(&o, "outputs:\n  - eve-log:\n      redis:\n        port: 0\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:4: outputs.eve-log.redis.port: '0' is not a whole number from 1 to 65535");
    /* every destination sub-block has the same far end, with the same bounds */
    assert_false(load(&o, "outputs:\n  - eve-log:\n      syslog:\n        port: 65536\n", err, sizeof(err)));
    assert_string_equal(err,
                        "test.yaml:4: outputs.eve-log.syslog.port: '65536' is not a whole number from 1 to 65535");
    assert_false(load(&o, "outputs:\n  - eve-log:\n      gelf:\n        port: -1\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:4: outputs.eve-log.gelf.port: '-1' is not a whole number from 1 to 65535");
    assert_false(load(&o, "outputs:\n  - eve-log:\n      gelf:\n        chunk-size: 63\n", err, sizeof(err)));
    assert_string_equal(err,
                        "test.yaml:4: outputs.eve-log.gelf.chunk-size: '63' is not a whole number from 64 to 65000");
    assert_false(load(&o, "outputs:\n  - eve-log:\n      redis:\n        db: 2\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:4: outputs.eve-log.redis.db: unknown key");
    assert_false(load(&o, "outputs:\n  - eve-log:\n      syslog:\n        server: [a, b]\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:4: outputs.eve-log.syslog.server: expected a single value");
    assert_false(load(&o, "outputs:\n  - eve-log:\n      gelf: udp\n", err, sizeof(err)));
    assert_non_null(strstr(err, "test.yaml:3: outputs.eve-log.gelf:"));
    assert_false(load(&o, "outputs:\n  - eve-log:\n      colour: red\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:3: outputs.eve-log.colour: unknown key");
    config_release();
}

static void test_unknown_key_names_file_line_key(void **state)
{
    (void)state;
    pw_options o;
    char err[512];
    assert_false(load(&o, "stream:\n  midstream: yes\n  depth: 1mb\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:3: stream.depth: unknown key");
    assert_false(load(&o, "outptus:\n  - eve-log: {}\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:1: outptus: unknown key");
}

static void test_bad_values(void **state)
{
    (void)state;
    pw_options o;
    char err[512];
    assert_false(load(&o, "stream:\n  midstream: perhaps\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:2: stream.midstream: 'perhaps' is not yes or no");
    assert_false(load(&o, "defrag:\n  memcap: 12qb\n", err, sizeof(err)));
    assert_non_null(strstr(err, "test.yaml:2: defrag.memcap: '12qb' is not a size"));
    assert_false(load(&o, "flow-timeouts:\n  tcp:\n    established: -5\n", err, sizeof(err)));
    assert_non_null(strstr(err, "test.yaml:3: flow-timeouts.tcp.established: '-5' is not a whole number"));
    assert_false(load(&o, "app-layer:\n  protocols:\n    smb:\n      detection-ports:\n        dp: 445, 99999\n",
                      err, sizeof(err)));
    assert_string_equal(err, "test.yaml:5: app-layer.protocols.smb.detection-ports.dp: '99999' is not a port number");
    assert_false(load(&o, "outputs:\n  - eve-log:\n      filetype: syslogd\n", err, sizeof(err)));
    assert_non_null(strstr(err, "test.yaml:3: outputs.eve-log.filetype: 'syslogd' is not one of"));
    assert_false(load(&o, "outputs:\n  - eve-log:\n      types: [smb, dns]\n", err, sizeof(err)));
    assert_non_null(strstr(err, "unknown record type 'dns'"));
    assert_false(load(&o, "stream: [1, 2]\n", err, sizeof(err)));
    assert_string_equal(err, "test.yaml:1: stream: expected a mapping of keys");
    config_release();
}

static void test_yaml_syntax_error(void **state)
{
    (void)state;
    pw_options o;
    char err[512];
    assert_false(load(&o, "stream:\n  midstream: yes\n bad: [\n", err, sizeof(err)));
    assert_non_null(strstr(err, "test.yaml:"));
    assert_non_null(strstr(err, "YAML error"));
}

static void test_empty_config_is_defaults(void **state)
{
    (void)state;
    pw_options o, def;
    char err[512];
    pw_options_default(&def);
    assert_true(load(&o, "", err, sizeof(err)));
    assert_int_equal(o.flow.max_flows, def.flow.max_flows);
    assert_true(load(&o, "%YAML 1.1\n---\n", err, sizeof(err)));
    assert_int_equal(o.n_smb_ports, 2);
}

static void test_missing_file(void **state)
{
    (void)state;
    pw_options o;
    char err[512];
    pw_options_default(&o);
    assert_false(config_load(&o, "/nonexistent/pipewatch.yaml", err, sizeof(err)));
    assert_string_equal(err, "config /nonexistent/pipewatch.yaml: cannot read: No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_config_equals_defaults),
        cmocka_unit_test(test_values_applied),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_unknown_key_names_file_line_key),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_yaml_syntax_error),
        cmocka_unit_test(test_empty_config_is_defaults),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
