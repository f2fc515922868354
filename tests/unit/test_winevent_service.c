/* The service-install family: 7045, 4697 and 7040 from svcctl facts. The
 * expected values are those of real logs (tests read from the smbexec and
 * PsExec samples of ../shared/evtx, see docs/events.md). */
#include "testutil.h"

#include "detect/sigma.h"
#include "detect/winevent.h"
#include "detect/winevent_families.h"
#include "detect/winevent_service.h"

static const char SMBEXEC_CMD[] = "%COMSPEC% /Q /c echo cd  ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > "
                                  "%TEMP%\\execute.bat & %COMSPEC% /Q /c "
                                  "%TEMP%\\execute.bat & del %TEMP%\\execute.bat";

/* CreateServiceW answered with success, as impacket smbexec sends it. */
static smb_fact install_fact(void)
{
    smb_fact f;
    memset(&f, 0, sizeof f);
    f.h.kind = SMB_FACT_SERVICE;
    f.h.smb_version = 2;
    f.h.command = 0x000b;
    f.h.have_request = f.h.have_response = true;
    f.h.session_id = 0x2cff42b44;
    f.h.who.auth = SMB_AUTH_NTLMSSP;
    f.h.who.user = "admmig";
    f.h.who.domain = "OFFSEC";
    smb_fact_service *s = &f.u.service;
    s->pipe.tree.share = "\\\\rootdc1.offsec.lan\\IPC$";
    s->pipe.tree.share_type = SMB_SHARE_PIPE;
    s->pipe.filename = "svcctl";
    s->opnum = 12;
    s->operation = "RCreateServiceW";
    s->have_return = true;
    s->return_code = 0;
    s->name = "BTOBTO";
    s->display_name = "BTOBTO";
    s->binary_path = SMBEXEC_CMD;
    s->service_type = 0x10;
    s->start_type = 3;
    return f;
}

static void test_install_gives_7045_and_4697(void **state)
{
    static win_event ev[WINEVENT_MAX_PER_FACT];
    smb_fact f = install_fact();
    win_peer peer = {"10.0.0.9", 50123, "10.0.0.1", NULL, NULL, NULL};
    assert_int_equal(winevent_build(&f, &peer, ev, WINEVENT_MAX_PER_FACT), 2);

    const win_event *e = &ev[0];
    assert_int_equal(e->event_id, 7045);
    assert_int_equal(e->ndata, 5);
    assert_string_equal(winevent_get(e, "ServiceName"), "BTOBTO");
    assert_string_equal(winevent_get(e, "ImagePath"), SMBEXEC_CMD);
    assert_string_equal(winevent_get(e, "ServiceType"), "user mode service");
    assert_string_equal(winevent_get(e, "StartType"), "demand start");
    assert_string_equal(winevent_get(e, "AccountName"), "LocalSystem");
    assert_string_equal(winevent_get(e, "Channel"), "System");
    assert_string_equal(winevent_get(e, "Provider_Name"), "Service Control Manager");
    assert_string_equal(winevent_get(e, "EventID"), "7045");
    assert_string_equal(winevent_get(e, "Keywords"), "Classic");
    assert_string_equal(winevent_get(e, "Computer"), "rootdc1.offsec.lan");
    assert_string_equal(e->def->family->level, "information");
    assert_string_equal(e->sigma.product, "windows");
    assert_string_equal(e->sigma.service, "system");

    e = &ev[1];
    assert_int_equal(e->event_id, 4697);
    assert_int_equal(e->ndata, 9);
    assert_string_equal(e->fields[0].name, "SubjectUserSid");
    assert_string_equal(winevent_get(e, "SubjectUserName"), "admmig");
    assert_string_equal(winevent_get(e, "SubjectDomainName"), "OFFSEC");
    assert_string_equal(winevent_get(e, "SubjectLogonId"), "0x2cff42b44");
    assert_string_equal(winevent_get(e, "ServiceName"), "BTOBTO");
    assert_string_equal(winevent_get(e, "ServiceFileName"), SMBEXEC_CMD);
    assert_string_equal(winevent_get(e, "ServiceType"), "0x10");
    assert_string_equal(winevent_get(e, "ServiceStartType"), "3");
    assert_string_equal(winevent_get(e, "ServiceAccount"), "LocalSystem");
    assert_string_equal(winevent_get(e, "Channel"), "Security");
    assert_string_equal(winevent_get(e, "Keywords"), "Audit Success");
    assert_string_equal(e->def->family->level, "information"); /* Level 0, rendered Information */
    assert_string_equal(e->sigma.service, "security");

    /* room for one: the first only */
    assert_int_equal(winevent_build(&f, &peer, ev, 1), 1);
    assert_int_equal(ev[0].event_id, 7045);
}

/* Over TCP no SMB session stands for the logon: SubjectLogonId is empty
 * (and so left out), the rest of the Subject is the bind's. */
static void test_install_over_tcp(void **state)
{
    (void)state;
    static win_event ev[WINEVENT_MAX_PER_FACT];
    smb_fact f = install_fact();
    f.h.transport = SMB_TRANSPORT_TCP;
    f.h.session_id = 0;
    f.h.smb_version = 0;
    f.h.command = 0;
    f.u.service.pipe.tree.share = NULL;
    f.u.service.pipe.filename = NULL;
    f.h.server.nb_computer = "ROOTDC1";
    win_peer peer = {"10.0.0.9", 50123, "10.0.0.1", "rootdc1.offsec.lan", NULL, NULL};
    assert_int_equal(winevent_build(&f, &peer, ev, WINEVENT_MAX_PER_FACT), 2);
    assert_string_equal(winevent_get(&ev[0], "Computer"), "rootdc1.offsec.lan");
    assert_int_equal(ev[1].event_id, 4697);
    assert_string_equal(winevent_get(&ev[1], "SubjectUserName"), "admmig");
    assert_string_equal(winevent_get(&ev[1], "SubjectLogonId"), "");
}

/* What is not a successful install gives nothing. */
static void test_no_install_no_event(void **state)
{
    static win_event ev[WINEVENT_MAX_PER_FACT];
    smb_fact f = install_fact();
    f.u.service.return_code = 1073; /* ERROR_SERVICE_EXISTS */
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 0);
    f = install_fact();
    f.h.have_response = false; /* unanswered */
    f.u.service.have_return = false;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 0);
    f = install_fact();
    f.u.service.fault = true;
    f.u.service.have_return = false;
    f.u.service.fault_status = 5;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 0);
    f = install_fact();
    f.u.service.encrypted = true;
    f.u.service.name = f.u.service.binary_path = NULL;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 0);
    f = install_fact();
    f.u.service.opnum = 16; /* OpenServiceW */
    f.u.service.operation = "ROpenServiceW";
    f.u.service.binary_path = NULL;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 0);
}

/* Types and start types as Windows words them; accounts; the WOW64 and
 * ANSI forms are installs too. */
static void test_renderings(void **state)
{
    static win_event ev[WINEVENT_MAX_PER_FACT];
    assert_string_equal(winevent_service_type_text(0x10), "user mode service");
    assert_string_equal(winevent_service_type_text(0x20), "user mode service");
    assert_string_equal(winevent_service_type_text(0x110), "user mode service");
    assert_string_equal(winevent_service_type_text(0x1), "kernel mode driver");
    assert_string_equal(winevent_service_type_text(0x2), "file system driver");
    assert_null(winevent_service_type_text(0x50));
    const char *starts[] = {"boot start", "system start", "auto start", "demand start", "disabled"};
    for (uint32_t i = 0; i < 5; i++)
        assert_string_equal(winevent_start_type_text(i), starts[i]);
    assert_null(winevent_start_type_text(5));

    smb_fact f = install_fact();
    f.u.service.opnum = 45; /* Sysinternals PsExec */
    f.u.service.name = "PSEXESVC";
    f.u.service.binary_path = "%SystemRoot%\\PSEXESVC.exe";
    f.u.service.account = ".\\svcuser";
    f.u.service.account_present = true;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 2);
    assert_string_equal(winevent_get(&ev[0], "ImagePath"), "%SystemRoot%\\PSEXESVC.exe");
    assert_string_equal(winevent_get(&ev[0], "AccountName"), ".\\svcuser");
    assert_string_equal(winevent_get(&ev[1], "ServiceAccount"), ".\\svcuser");

    f = install_fact();
    f.u.service.opnum = 24; /* CreateServiceA: a kernel driver, boot start */
    f.u.service.service_type = 0x1;
    f.u.service.start_type = 0;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 2);
    assert_string_equal(winevent_get(&ev[0], "ServiceType"), "kernel mode driver");
    assert_string_equal(winevent_get(&ev[0], "StartType"), "boot start");
    assert_string_equal(winevent_get(&ev[0], "AccountName"), ""); /* drivers run as no account */
    assert_string_equal(winevent_get(&ev[1], "ServiceType"), "0x1");
    assert_string_equal(winevent_get(&ev[1], "ServiceStartType"), "0");

    f = install_fact();
    f.u.service.opnum = 44;
    f.u.service.service_type = 0x50; /* no word for it: the number */
    f.u.service.start_type = 9;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 2);
    assert_string_equal(winevent_get(&ev[0], "ServiceType"), "80");
    assert_string_equal(winevent_get(&ev[0], "StartType"), "9");
    assert_string_equal(winevent_get(&ev[1], "ServiceType"), "0x50");

    /* a path as long as the wire allows stays whole, the fields after it too */
    static char longpath[1025];
    memset(longpath, 'p', 1024);
    f = install_fact();
    f.u.service.binary_path = longpath;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 2);
    assert_string_equal(winevent_get(&ev[0], "ImagePath"), longpath);
    assert_string_equal(winevent_get(&ev[0], "AccountName"), "LocalSystem");
    assert_string_equal(winevent_get(&ev[1], "ServiceFileName"), longpath);
}

/* 7040: ChangeServiceConfig that sets a start type. */
static void test_start_type_change(void **state)
{
    static win_event ev[WINEVENT_MAX_PER_FACT];
    smb_fact f = install_fact();
    smb_fact_service *s = &f.u.service;
    s->opnum = 11;
    s->operation = "RChangeServiceConfigW";
    s->name = "XblAuthManager";
    s->display_name = NULL;
    s->binary_path = NULL;
    s->service_type = 0xffffffff;
    s->start_type = 2;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 1);
    assert_int_equal(ev[0].event_id, 7040);
    assert_string_equal(winevent_get(&ev[0], "param1"), "XblAuthManager");
    assert_string_equal(winevent_get(&ev[0], "param2"), "");
    assert_string_equal(winevent_get(&ev[0], "param3"), "auto start");
    assert_string_equal(winevent_get(&ev[0], "param4"), "XblAuthManager");
    assert_string_equal(winevent_get(&ev[0], "Channel"), "System");
    s->display_name = "Xbox Live Auth Manager";
    s->opnum = 23;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 1);
    assert_string_equal(winevent_get(&ev[0], "param1"), "Xbox Live Auth Manager");
    /* a path change alone has no Windows event: pipewatch's own, matched
     * by rules and not written as a winlog record */
    s->start_type = 0xffffffff;
    s->binary_path = "cmd.exe /c calc";
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 1);
    assert_int_equal(ev[0].event_id, 0);
    assert_true(ev[0].def->family->rules_only);
    assert_string_equal(ev[0].sigma.product, "pipewatch");
    assert_string_equal(ev[0].sigma.service, "svcctl");
    assert_string_equal(winevent_get(&ev[0], "Operation"), "RChangeServiceConfigW");
    assert_string_equal(winevent_get(&ev[0], "ServiceName"), "XblAuthManager");
    assert_string_equal(winevent_get(&ev[0], "BinaryPath"), "cmd.exe /c calc");
    assert_string_equal(winevent_get(&ev[0], "StartType"), "");
    assert_string_equal(winevent_get(&ev[0], "ReturnCode"), "0");
    /* unanswered: still a rewrite attempt; with a new start type too: both */
    f.h.have_response = false;
    s->have_return = false;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 1);
    assert_string_equal(winevent_get(&ev[0], "ReturnCode"), "");
    f.h.have_response = true;
    s->have_return = true;
    s->start_type = 2;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 2);
    assert_int_equal(ev[0].event_id, 7040);
    assert_string_equal(winevent_get(&ev[1], "StartType"), "auto start");
    /* refused */
    s->start_type = 4;
    s->return_code = 5;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 0);
}

static void print_err(void *ctx, const char *file, unsigned line, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "%s:%u: %s\n", file, line, msg);
}

/* A rule written as public rule sets write 7045 and 4697 rules loads and
 * fires on the events, and only on them. */
static void test_public_style_rules(void **state)
{
    static const char rule_7045[] = "title: Service Install With Command Shell\n"
                                    "id: 5a8e1f00-6d4c-4a3b-9e21-7045000000aa\n"
                                    "status: test\n"
                                    "logsource:\n"
                                    "    product: windows\n"
                                    "    service: system\n"
                                    "detection:\n"
                                    "    selection:\n"
                                    "        Provider_Name: 'Service Control Manager'\n"
                                    "        EventID: 7045\n"
                                    "        ImagePath|contains|all:\n"
                                    "            - '%COMSPEC%'\n"
                                    "            - '\\\\127.0.0.1\\'\n"
                                    "    condition: selection\n"
                                    "level: high\n";
    static const char rule_4697[] = "title: Service Install Security\n"
                                    "id: 5a8e1f00-6d4c-4a3b-9e21-4697000000bb\n"
                                    "logsource:\n"
                                    "    product: windows\n"
                                    "    service: security\n"
                                    "detection:\n"
                                    "    selection:\n"
                                    "        EventID: 4697\n"
                                    "        ServiceFileName|contains: ' /c '\n"
                                    "    condition: selection\n"
                                    "level: high\n";
    sigma_ruleset *rs = sigma_ruleset_new();
    assert_int_equal(sigma_load_string(rs, "7045.yml", rule_7045, strlen(rule_7045), print_err, NULL), 0);
    assert_int_equal(sigma_load_string(rs, "4697.yml", rule_4697, strlen(rule_4697), print_err, NULL), 0);
    assert_int_equal(sigma_rule_count(rs), 2);
    static win_event ev[WINEVENT_MAX_PER_FACT];
    smb_fact f = install_fact();
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 2);
    const sigma_rule *m[4];
    assert_int_equal(sigma_match(rs, &ev[0].sigma, m, 4), 1);
    assert_ptr_equal(m[0], sigma_rule_at(rs, 0));
    assert_int_equal(sigma_match(rs, &ev[1].sigma, m, 4), 1);
    assert_ptr_equal(m[0], sigma_rule_at(rs, 1));
    /* a plain service binary does not fire */
    f.u.service.binary_path = "%SystemRoot%\\PSEXESVC.exe";
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 2);
    assert_int_equal(sigma_match(rs, &ev[0].sigma, m, 4), 0);
    assert_int_equal(sigma_match(rs, &ev[1].sigma, m, 4), 0);
    sigma_ruleset_free(rs);
}

/* The rules pipewatch ships for these events fire on the tool they are
 * written for and on nothing else here. */
static const char *fired(const sigma_ruleset *rs, const win_event *e)
{
    const sigma_rule *m[4];
    size_t n = sigma_match(rs, &e->sigma, m, 4);
    assert_true(n <= 1);
    return n ? sigma_rule_id(m[0]) : "";
}

static void test_bundled_rules(void **state)
{
    static const char *const files[] = {
        "conf/rules/pipewatch-service-shell-output-to-share.yml", "conf/rules/pipewatch-task-shell-output-to-temp.yml",
        "conf/rules/pipewatch-service-binary-path-rewrite.yml", "conf/rules/pipewatch-service-random-binary-systemroot.yml"};
    sigma_ruleset *rs = sigma_ruleset_new();
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(sigma_load_path(rs, files[i], print_err, NULL), 0);
    assert_int_equal(sigma_rule_count(rs), 4);
    static win_event ev[WINEVENT_MAX_PER_FACT];

    /* smbexec: 7045 fires the shell rule; its 4697 twin has another logsource */
    smb_fact f = install_fact();
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 2);
    assert_string_equal(fired(rs, &ev[0]), "3f6f1a52-8c1e-4b7e-9d0a-7045a1c2e001");
    assert_string_equal(fired(rs, &ev[1]), "");
    /* CrackMapExec's form */
    f.u.service.binary_path = "%COMSPEC% /Q /c echo whoami ^> \\\\127.0.0.1\\ADMIN$\\__1733000000 2^>^&1 > "
                              "%TEMP%\\ABCDEF.bat & %COMSPEC% /Q /c %TEMP%\\ABCDEF.bat & del %TEMP%\\ABCDEF.bat";
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 2);
    assert_string_equal(fired(rs, &ev[0]), "3f6f1a52-8c1e-4b7e-9d0a-7045a1c2e001");
    /* a shell without output to a share: not this rule */
    f.u.service.binary_path = "cmd.exe /c net stop spooler";
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 2);
    assert_string_equal(fired(rs, &ev[0]), "");

    /* impacket / Metasploit psexec: eight random letters in %SystemRoot% */
    const char *const random_bins[] = {"%systemroot%\\HtCOoeYd.exe", "%SYSTEMROOT%\\qwErtYui.exe",
                                       "C:\\Windows\\abcdefgh.exe"};
    for (size_t i = 0; i < 3; i++) {
        f.u.service.binary_path = random_bins[i];
        assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 2);
        assert_string_equal(fired(rs, &ev[0]), "3f6f1a52-8c1e-4b7e-9d0a-7045a1c2e004");
    }
    const char *const other_bins[] = {"%SystemRoot%\\PSEXESVC.exe", "%SystemRoot%\\abc.exe",
                                      "%SystemRoot%\\system32\\abcdefgh.exe", "%SystemRoot%\\abcdefghi.exe"};
    for (size_t i = 0; i < 4; i++) {
        f.u.service.binary_path = other_bins[i];
        assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 2);
        assert_string_equal(fired(rs, &ev[0]), "");
    }

    /* the binary path rewrite, answered or not; refused: no */
    f = install_fact();
    f.u.service.opnum = 23;
    f.u.service.operation = "RChangeServiceConfigA";
    f.u.service.start_type = f.u.service.service_type = 0xffffffff;
    f.u.service.binary_path = "c:\\windows\\system32\\cmd.exe /c powershell -exec bypass -nop -e Y2FsYy5leGU=";
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 1);
    assert_string_equal(fired(rs, &ev[0]), "3f6f1a52-8c1e-4b7e-9d0a-0000a1c2e003");
    f.h.have_response = f.u.service.have_return = false;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 1);
    assert_string_equal(fired(rs, &ev[0]), "3f6f1a52-8c1e-4b7e-9d0a-0000a1c2e003");
    f.h.have_response = f.u.service.have_return = true;
    f.u.service.return_code = 5;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 0);

    /* atexec: the task of the sample log */
    memset(&f, 0, sizeof f);
    f.h.kind = SMB_FACT_TASK;
    f.h.have_request = f.h.have_response = true;
    f.u.task.opnum = 1;
    f.u.task.have_return = true;
    f.u.task.name = "\\CYAlyNSS";
    f.u.task.xml = "<Task><Actions Context=\"LocalSystem\"><Exec><Command>cmd.exe</Command>"
                   "<Arguments>/C tasklist &gt; %windir%\\Temp\\CYAlyNSS.tmp 2&gt;&amp;1</Arguments></Exec>"
                   "</Actions></Task>";
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 1);
    assert_string_equal(fired(rs, &ev[0]), "3f6f1a52-8c1e-4b7e-9d0a-4698a1c2e002");
    f.u.task.xml = "<Task><Actions><Exec><Command>C:\\Tools\\backup.exe</Command></Exec></Actions></Task>";
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 1);
    assert_string_equal(fired(rs, &ev[0]), "");
    sigma_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_gives_7045_and_4697),
        cmocka_unit_test(test_install_over_tcp),
        cmocka_unit_test(test_no_install_no_event),
        cmocka_unit_test(test_renderings),
        cmocka_unit_test(test_start_type_change),
        cmocka_unit_test(test_public_style_rules),
        cmocka_unit_test(test_bundled_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
