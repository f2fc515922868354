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
    assert_string_equal(o.bpf, "tcp port 445 or tcp port 139");
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
    assert_int_equal(o.eve_type, EVE_UNIX_DGRAM);
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
        cmocka_unit_test(test_unknown_key_names_file_line_key),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_yaml_syntax_error),
        cmocka_unit_test(test_empty_config_is_defaults),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
