/* The cross-flow stage: observations of several flows between one client
 * and one server make one incident; the tool is named from what it holds;
 * the files written to admin shares are hashed as written, in order or not;
 * memory stays within the table under a flood of half-runs; several threads
 * may feed one stage. */
#include "testutil.h"

#include <pthread.h>

#include "detect/incident.h"
#include "protocols/smb_facts.h"

#define SEC 1000000ull
#define MAXGOT 8

typedef struct got {
    int n;
    incident in[MAXGOT];
    uint64_t total;
} got;

static void on_incident(void *ctx, const incident *in)
{
    got *gt = ctx;
    gt->total++;
    if (gt->n < MAXGOT)
        gt->in[gt->n++] = *in;
}

static got seen; /* incidents are large: not on the stack */

static incident_stage *stage(uint64_t gap_sec, size_t memcap)
{
    memset(&seen, 0, sizeof(seen));
    incident_limits l;
    incident_limits_default(&l);
    l.gap_usec = gap_sec * SEC;
    if (memcap)
        l.memcap = memcap;
    incident_sink sink = {on_incident, &seen};
    incident_stage *s = incident_new(&l, sink);
    assert_non_null(s);
    return s;
}

static const char *C = "10.0.0.5", *S = "10.0.0.1";

static void obs(incident_stage *s, uint8_t kind, const char *share, const char *name, uint64_t flow, uint64_t t)
{
    incident_obs o = {.kind = kind,
                      .client_ip = C,
                      .server_ip = S,
                      .flow_id = flow,
                      .ts_usec = t,
                      .share = share,
                      .name = name,
                      .user = "Administrator",
                      .domain = "SRV",
                      .workstation = "WKS01"};
    incident_observe(s, &o);
}

static void pipe_open(incident_stage *s, const char *name, uint64_t flow, uint64_t t)
{
    obs(s, IO_CREATE, "\\\\SRV\\IPC$", name, flow, t);
}

/* A CREATE on an admin share asking to write (a binary uploaded). */
static void upload_open(incident_stage *s, const char *share, const char *name, uint64_t t)
{
    incident_obs o = {.kind = IO_CREATE,
                      .client_ip = C,
                      .server_ip = S,
                      .flow_id = 1,
                      .ts_usec = t,
                      .share = share,
                      .name = name,
                      .user = "Administrator",
                      .write_intent = true};
    incident_observe(s, &o);
}

static void service(incident_stage *s, const char *op, const char *name, const char *bin, uint64_t t)
{
    incident_obs o = {.kind = IO_SERVICE,
                      .client_ip = C,
                      .server_ip = S,
                      .flow_id = 11,
                      .ts_usec = t,
                      .operation = op,
                      .name = name,
                      .binary_path = bin,
                      .have_return = true,
                      .success = true};
    incident_observe(s, &o);
}

static void test_grouping_across_flows(void **state)
{
    (void)state;
    incident_stage *s = stage(60, 0);
    /* impacket psexec.py: the run on one connection, each stdio pipe on one of its own */
    obs(s, IO_SESSION, NULL, NULL, 11, 100 * SEC);
    obs(s, IO_TREE, "\\\\SRV\\ADMIN$", NULL, 11, 100 * SEC);
    service(s, "RCreateServiceW", "lGFb", "%SystemRoot%\\AibNyyur.exe", 101 * SEC);
    pipe_open(s, "RemCom_communicaton", 11, 102 * SEC);
    pipe_open(s, "RemCom_stdinEkjK4242", 12, 103 * SEC);
    pipe_open(s, "RemCom_stdoutEkjK4242", 13, 103 * SEC);
    pipe_open(s, "RemCom_stderrEkjK4242", 14, 104 * SEC);
    win_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.event_id = 5145;
    incident_input ii = {&ev, C, S, 12, 104 * SEC};
    incident_event(s, &ii);
    /* another client's everyday traffic meanwhile: no incident */
    incident_obs other = {.kind = IO_CREATE,
                          .client_ip = "10.0.0.9",
                          .server_ip = S,
                          .flow_id = 20,
                          .ts_usec = 105 * SEC,
                          .share = "\\\\SRV\\IPC$",
                          .name = "srvsvc"};
    incident_observe(s, &other);
    assert_int_equal(seen.n, 0); /* nothing is over yet */
    incident_tick(s, 170 * SEC);
    assert_int_equal(seen.n, 1);
    incident *a = &seen.in[0];
    assert_string_equal(a->tool, "impacket-psexec");
    assert_string_equal(a->client_ip, C);
    assert_string_equal(a->server_ip, S);
    assert_string_equal(a->user, "Administrator");
    assert_string_equal(a->domain, "SRV");
    assert_string_equal(a->workstation, "WKS01");
    assert_int_equal(a->nflows, 4);
    assert_int_equal(a->flows[0], 11);
    assert_int_equal(a->flows[3], 14);
    assert_int_equal(a->npipes, 4);
    assert_int_equal(a->events, 1);
    assert_int_equal(a->ids[0].event_id, 5145);
    assert_int_equal(a->nservices, 1);
    assert_string_equal(a->services[0].binary_path, "%SystemRoot%\\AibNyyur.exe");
    assert_true(a->services[0].created);
    assert_int_equal(a->first_usec, 100 * SEC);
    assert_int_equal(a->last_usec, 104 * SEC);
    incident_flush(s);
    assert_int_equal(seen.n, 1); /* the other pair had no evidence of remote execution */
    incident_stats st = incident_get_stats(s);
    assert_int_equal(st.reported, 1);
    assert_int_equal(st.dropped, 1);
    incident_free(s);
}

/* One incident holding the given pipes (and service), closed: its tool. */
static const char *tool_of(const char *const *pipes, const char *svc, const char *bin, const char *wks)
{
    incident in;
    memset(&in, 0, sizeof(in));
    snprintf(in.workstation, sizeof(in.workstation), "%s", wks ? wks : "");
    for (; pipes && *pipes; pipes++)
        snprintf(in.pipes[in.npipes++], INCIDENT_NAME_MAX, "%s", *pipes);
    if (svc) {
        snprintf(in.services[0].name, INCIDENT_NAME_MAX, "%s", svc);
        snprintf(in.services[0].binary_path, INCIDENT_TEXT_MAX, "%s", bin ? bin : "");
        in.services[0].create_sent = in.services[0].created = true;
        in.nservices = 1;
    }
    incident_attribute(&in);
    static char tool[64];
    snprintf(tool, sizeof(tool), "%s", in.tool ? in.tool : "none");
    return tool;
}

static void test_attribution_each_tool(void **state)
{
    (void)state;
    /* Sysinternals PsExec and its -r renamed runs */
    const char *ps[] = {"PSEXESVC", "PSEXESVC-WKS01-4242-stdin", "PSEXESVC-WKS01-4242-stdout", NULL};
    assert_string_equal(tool_of(ps, "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", "WKS01"), "psexec");
    const char *ren[] = {"updsvc", "updsvc-WKS01-4242-stdin", "updsvc-WKS01-4242-stderr", NULL};
    assert_string_equal(tool_of(ren, "updsvc", "%SystemRoot%\\updsvc.exe", "WKS01"), "psexec-renamed");
    /* a renamed service whose name has dashes of its own */
    const char *ren2[] = {"my-upd-svc-HOST-17-stdout", NULL};
    assert_string_equal(tool_of(ren2, NULL, NULL, NULL), "psexec-renamed");
    /* the real capture's host names have dashes too */
    const char *real[] = {"PSEXESVC-02694W-WIN10-13272-stdin", NULL};
    assert_string_equal(tool_of(real, NULL, NULL, NULL), "psexec");
    /* PAExec */
    const char *pa[] = {"PAExecInWKS014242", "PAExecOutWKS014242", NULL};
    assert_string_equal(tool_of(pa, NULL, NULL, NULL), "paexec");
    assert_string_equal(tool_of(NULL, "PAExec-4242-WKS01", "%SystemRoot%\\PAExec-4242-WKS01.exe", NULL), "paexec");
    /* RemCom with the client's host name, impacket with 4 random letters */
    const char *rc[] = {"RemCom_communicaton", "RemCom_stdinWKS014242", NULL};
    assert_string_equal(tool_of(rc, NULL, NULL, "WKS01"), "remcom");
    const char *imp[] = {"RemCom_communicaton", "RemCom_stdoutEkjK4242", NULL};
    assert_string_equal(tool_of(imp, "lGFb", "%SystemRoot%\\AibNyyur.exe", "WKS01"), "impacket-psexec");
    /* winexe, CSExec */
    const char *wx[] = {"ahexec", "ahexec_stdin0a1b", NULL};
    assert_string_equal(tool_of(wx, NULL, NULL, NULL), "winexe");
    const char *cs[] = {"csexecsvc", NULL};
    assert_string_equal(tool_of(cs, NULL, NULL, NULL), "csexec");
    /* smbexec: the command is in the service's binary path */
    assert_string_equal(tool_of(NULL, "BTOBTO",
                                "%COMSPEC% /Q /c echo whoami ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > "
                                "%TEMP%\\execute.bat & %COMSPEC% /Q /c %TEMP%\\execute.bat & del %TEMP%\\execute.bat",
                                NULL),
                        "smbexec");
    /* Metasploit psexec, PowerShell target */
    assert_string_equal(tool_of(NULL, "aBcDeFgH",
                                "%COMSPEC% /b /c start /b /min powershell.exe -nop -w hidden -noni -c \"IEX ...\"",
                                NULL),
                        "metasploit-psexec");
    /* atexec: the at service's pipe */
    const char *at[] = {"atsvc", NULL};
    assert_string_equal(tool_of(at, NULL, NULL, NULL), "atexec");
    /* any other new service */
    assert_string_equal(tool_of(NULL, "updater", "C:\\Windows\\upd.exe", NULL), "unknown-service-exec");
    /* everyday administration is no remote execution */
    const char *benign[] = {"srvsvc", "lsarpc", "samr", "winreg", NULL};
    assert_string_equal(tool_of(benign, NULL, NULL, NULL), "none");
    /* a pipe merely ending in -stdin is not PsExec's */
    const char *near[] = {"backup-stdin", NULL};
    assert_string_equal(tool_of(near, NULL, NULL, NULL), "none");
}

static void test_attribution_commands_and_gaps(void **state)
{
    (void)state;
    incident_stage *s = stage(60, 0);
    service(s, "RCreateServiceW", "BTOBTO",
            "%COMSPEC% /Q /c echo ipconfig /all ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat", SEC);
    service(s, "RCreateServiceW", "BTOBTO",
            "%COMSPEC% /Q /c echo net user ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat", 2 * SEC);
    incident_flush(s);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.in[0].tool, "smbexec");
    /* one service, created again for each command: every command is kept */
    assert_int_equal(seen.in[0].nservices, 1);
    assert_int_equal(seen.in[0].ncommands, 2);
    assert_string_equal(seen.in[0].commands[0], "ipconfig /all");
    assert_string_equal(seen.in[0].commands[1], "net user");
    incident_free(s);
    /* a partial run: PsExec's pipes only, on a capture that began mid-connection */
    s = stage(60, 0);
    incident_obs o = {.kind = IO_CREATE,
                      .client_ip = C,
                      .server_ip = S,
                      .flow_id = 3,
                      .ts_usec = SEC,
                      .share = "\\\\SRV\\IPC$",
                      .name = "updsvc-WKS01-4242-stdin"};
    incident_observe(s, &o);
    incident_flush(s);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.in[0].tool, "psexec-renamed");
    assert_int_equal(seen.in[0].user[0], 0);
    bool logon = false, svc = false, upload = false;
    for (uint32_t i = 0; i < seen.in[0].nnot_seen; i++) {
        logon |= strstr(seen.in[0].not_seen[i], "logon") != NULL;
        svc |= strstr(seen.in[0].not_seen[i], "service creation") != NULL;
        upload |= strstr(seen.in[0].not_seen[i], "binary upload") != NULL;
    }
    assert_true(logon && svc && upload);
    incident_free(s);
    /* svcctl sealed after an upload: the service is hidden, the run is not */
    s = stage(60, 0);
    upload_open(s, "\\\\SRV\\ADMIN$", "x.exe", SEC);
    incident_obs sealed = {.kind = IO_SERVICE, .client_ip = C, .server_ip = S, .ts_usec = 2 * SEC, .encrypted = true};
    incident_observe(s, &sealed);
    incident_flush(s);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.in[0].tool, "unknown-service-exec");
    assert_true(seen.in[0].svcctl_sealed);
    assert_non_null(strstr(seen.in[0].not_seen[0], "sealed"));
    incident_free(s);
}

/* smbexec reaching the SCM straight over TCP, sealed (impacket's default
 * there): the service facts carry only their operations; with the output
 * file opened on C$ over SMB they make one incident across both flows,
 * which says what stayed hidden. */
static void sealed_tcp_call(incident_stage *s, const char *op, uint64_t t)
{
    smb_fact f;
    memset(&f, 0, sizeof f);
    f.h.kind = SMB_FACT_SERVICE;
    f.h.transport = SMB_TRANSPORT_TCP;
    f.h.have_request = f.h.have_response = true;
    f.u.service.operation = op;
    f.u.service.encrypted = true;
    incident_obs o;
    assert_true(incident_obs_of_fact(&f, &o));
    assert_true(o.over_tcp);
    assert_true(o.encrypted);
    o.client_ip = C;
    o.server_ip = S;
    o.flow_id = 21;
    o.ts_usec = t;
    incident_observe(s, &o);
}

static void test_smbexec_sealed_over_tcp(void **state)
{
    (void)state;
    incident_stage *s = stage(60, 0);
    for (int run = 0; run < 2; run++) {
        uint64_t t = (uint64_t)(1 + 10 * run) * SEC;
        sealed_tcp_call(s, "ROpenSCManagerW", t);
        sealed_tcp_call(s, "RCreateServiceW", t + 1);
        sealed_tcp_call(s, "RStartServiceW", t + 2);
        sealed_tcp_call(s, "RDeleteService", t + 3);
        obs(s, IO_CREATE, "\\\\SRV\\C$", "__output", 22, t + 4);
    }
    incident_flush(s);
    assert_int_equal(seen.n, 1);
    const incident *in = &seen.in[0];
    assert_string_equal(in->tool, "smbexec");
    assert_int_equal(in->nflows, 2);
    assert_int_equal(in->sealed_creates, 2);
    assert_int_equal(in->sealed_starts, 2);
    assert_int_equal(in->sealed_deletes, 2);
    assert_true(in->svcctl_sealed_tcp);
    assert_int_equal(in->nservices, 0); /* nothing guessed */
    assert_non_null(strstr(in->evidence[0], "sealed over TCP: 2 service create(s), 2 start(s), 2 delete(s) sent"));
    assert_non_null(strstr(in->evidence[1], "__output"));
    assert_string_equal(in->not_seen[0], "svcctl sealed over TCP (service name and binary hidden)");
    incident_free(s);

    /* sealed calls alone (no deletion, no file): not enough to name a tool */
    s = stage(60, 0);
    sealed_tcp_call(s, "RCreateServiceW", SEC);
    sealed_tcp_call(s, "RStartServiceW", 2 * SEC);
    incident_flush(s);
    assert_int_equal(seen.n, 0);
    incident_free(s);

    /* PsExec's pipes with its svcctl sealed over TCP: PsExec still, the
     * sealed SCM said as not seen */
    s = stage(60, 0);
    pipe_open(s, "PSEXESVC", 3, SEC);
    sealed_tcp_call(s, "RCreateServiceW", 2 * SEC);
    sealed_tcp_call(s, "RDeleteService", 3 * SEC);
    obs(s, IO_CREATE, "\\\\SRV\\ADMIN$", "PSEXESVC.exe", 3, 4 * SEC);
    incident_flush(s);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.in[0].tool, "psexec");
    bool said = false;
    for (uint32_t i = 0; i < seen.in[0].nnot_seen; i++)
        said |= strcmp(seen.in[0].not_seen[i], "svcctl sealed over TCP (service name and binary hidden)") == 0;
    assert_true(said);
    incident_free(s);
}

/* atexec: the task's command comes out of the XML of SchRpcRegisterTask */
/* A task call through \\SRV\IPC$ atsvc, answered. */
static void task_fact(smb_fact *f, const char *operation, const char *name)
{
    memset(f, 0, sizeof(*f));
    f->h.kind = SMB_FACT_TASK;
    f->h.have_response = true;
    f->u.task.pipe.tree.share = "\\\\SRV\\IPC$";
    f->u.task.pipe.filename = "atsvc";
    f->u.task.operation = operation;
    f->u.task.name = name;
}

static void test_atexec_task_from_fact(void **state)
{
    (void)state;
    incident_stage *s = stage(60, 0);
    smb_fact f;
    task_fact(&f, "SchRpcRegisterTask", "\\xKkwQbCe");
    f.u.task.xml =
        "<Task><Actions Context=\"LocalSystem\"><Exec><Command>cmd.exe</Command>"
        "<Arguments>/C whoami &gt; %windir%\\Temp\\xKkwQbCe.tmp 2&gt;&amp;1</Arguments></Exec></Actions></Task>";
    incident_obs o;
    assert_true(incident_obs_of_fact(&f, &o));
    o.client_ip = C;
    o.server_ip = S;
    o.ts_usec = SEC;
    incident_observe(s, &o);
    incident_flush(s);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.in[0].tool, "atexec");
    assert_string_equal(seen.in[0].tasks[0].name, "\\xKkwQbCe");
    assert_string_equal(seen.in[0].tasks[0].command, "cmd.exe /C whoami > %windir%\\Temp\\xKkwQbCe.tmp 2>&1");
    assert_string_equal(seen.in[0].commands[0], seen.in[0].tasks[0].command);
    incident_free(s);
    /* another command registered as a task: a task run remotely, tool not known */
    s = stage(60, 0);
    f.u.task.xml = "<Exec><Command>C:\\Windows\\upd.exe</Command></Exec>";
    assert_true(incident_obs_of_fact(&f, &o));
    o.client_ip = C;
    o.server_ip = S;
    incident_observe(s, &o);
    incident_flush(s);
    assert_string_equal(seen.in[0].tool, "scheduled-task-exec");
    assert_string_equal(seen.in[0].tasks[0].command, "C:\\Windows\\upd.exe");
    incident_free(s);
    /* SchRpcRun is no new task */
    f.u.task.operation = "SchRpcRun";
    assert_false(incident_obs_of_fact(&f, &o));
}

/* The atsvc pipe carries two interfaces: the Task Scheduler's (atexec.py registers its task
 * there) and ATSVC, whose NetrJobAdd makes an AT job (at.exe \\host). An AT job is a task run
 * remotely, not atexec, unless its command is atexec's. */
static void test_at_job_is_not_atexec(void **state)
{
    (void)state;
    smb_fact f;
    task_fact(&f, NULL, "\\At1");
    const struct {
        const char *op, *command, *tool, *evidence;
    } cases[] = {
        {"NetrJobAdd", "cmd.exe /c C:\\Windows\\Temp\\upd.bat", "scheduled-task-exec",
         "AT job \\At1 added remotely (ATSVC NetrJobAdd) with command cmd.exe /c C:\\Windows\\Temp\\upd.bat"},
        {"NetrJobAdd", "cmd.exe /C whoami > %windir%\\Temp\\At1.tmp 2>&1", "atexec",
         "task \\At1 runs a command into %windir%\\Temp\\*.tmp 2>&1, as impacket's atexec.py does"},
        {"SchRpcRegisterTask", "C:\\Windows\\upd.exe", "atexec", "task \\At1 registered"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        incident_stage *s = stage(60, 0);
        pipe_open(s, "atsvc", 8, SEC);
        f.u.task.operation = cases[i].op;
        f.u.task.command = cases[i].command;
        f.u.task.xml = NULL;
        incident_obs o;
        assert_true(incident_obs_of_fact(&f, &o));
        o.client_ip = C;
        o.server_ip = S;
        o.flow_id = 8;
        o.ts_usec = 2 * SEC;
        incident_observe(s, &o);
        incident_flush(s);
        assert_int_equal(seen.n, 1);
        assert_string_equal(seen.in[0].tool, cases[i].tool);
        assert_string_equal(seen.in[0].evidence[0], cases[i].evidence);
        assert_int_equal(seen.in[0].tasks[0].at_job, strcmp(cases[i].op, "NetrJobAdd") == 0);
        incident_free(s);
    }
}

/* A svcctl call as the fact of a call through the svcctl pipe says it:
 * its return value when the response was read. */
static void service_reply(incident_stage *s, const char *op, const char *name, bool have_return, uint32_t rc,
                          uint64_t t)
{
    smb_fact f;
    memset(&f, 0, sizeof f);
    f.h.kind = SMB_FACT_SERVICE;
    f.h.have_request = true;
    f.h.have_response = have_return;
    f.u.service.pipe.tree.share = "\\\\SRV\\IPC$";
    f.u.service.operation = op;
    f.u.service.name = name;
    f.u.service.binary_path = strstr(op, "CreateService") ? "%SystemRoot%\\updsvc.exe" : NULL;
    f.u.service.have_return = have_return;
    f.u.service.return_code = rc;
    incident_obs o;
    assert_true(incident_obs_of_fact(&f, &o));
    assert_int_equal(o.success, have_return && rc == 0);
    o.client_ip = C;
    o.server_ip = S;
    o.flow_id = 5;
    o.ts_usec = t;
    incident_observe(s, &o);
}

static bool evidence_has(const incident *in, const char *text)
{
    for (uint32_t i = 0; i < in->nevidence; i++)
        if (strstr(in->evidence[i], text))
            return true;
    return false;
}

static bool not_seen_is(const incident *in, const char *text)
{
    for (uint32_t i = 0; i < in->nnot_seen; i++)
        if (strcmp(in->not_seen[i], text) == 0)
            return true;
    return false;
}

/* A CreateService refused (1073 ERROR_SERVICE_EXISTS) is an attempt, not a
 * service created: PsExec -r still, the service existed and was started. */
static void test_service_create_refused(void **state)
{
    (void)state;
    incident_stage *s = stage(60, 0);
    pipe_open(s, "svcctl", 5, SEC);
    service_reply(s, "RCreateServiceW", "updsvc", true, 1073, 2 * SEC);
    service_reply(s, "ROpenServiceW", "updsvc", true, 0, 3 * SEC);
    service_reply(s, "RStartServiceW", "updsvc", true, 0, 4 * SEC);
    pipe_open(s, "updsvc", 6, 5 * SEC);
    pipe_open(s, "updsvc-WKS01-4242-stdin", 7, 5 * SEC);
    incident_flush(s);
    assert_int_equal(seen.n, 1);
    const incident *in = &seen.in[0];
    assert_string_equal(in->tool, "psexec-renamed");
    assert_true(in->services[0].create_sent);
    assert_false(in->services[0].created);
    assert_true(in->services[0].create_refused);
    assert_int_equal(in->services[0].create_status, 1073);
    assert_true(in->services[0].started);
    assert_true(evidence_has(in, "service updsvc create refused (1073 ERROR_SERVICE_EXISTS), then started"));
    assert_false(evidence_has(in, "created"));
    incident_free(s);

    /* the same create answered with success: "created" */
    s = stage(60, 0);
    service_reply(s, "RCreateServiceW", "updsvc", true, 0, 2 * SEC);
    pipe_open(s, "updsvc-WKS01-4242-stdin", 7, 5 * SEC);
    incident_flush(s);
    assert_true(seen.in[0].services[0].created);
    assert_true(evidence_has(&seen.in[0], "service updsvc created"));
    incident_free(s);

    /* a refused create alone, another service: an attempt still, said so */
    s = stage(60, 0);
    service_reply(s, "RCreateServiceW", "updater", true, 5, 2 * SEC);
    incident_flush(s);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.in[0].tool, "unknown-service-exec");
    assert_true(evidence_has(&seen.in[0], "service updater create refused (5) with binary"));
    assert_false(evidence_has(&seen.in[0], "created"));
    incident_free(s);

    /* answered by a fault (the opnum not served): no "created" either */
    s = stage(60, 0);
    {
        smb_fact f;
        memset(&f, 0, sizeof f);
        f.h.kind = SMB_FACT_SERVICE;
        f.h.have_request = f.h.have_response = true;
        f.u.service.operation = "RCreateServiceW";
        f.u.service.name = "PSEXESVC";
        f.u.service.fault = true;
        f.u.service.fault_status = 0x1c010002;
        incident_obs o;
        assert_true(incident_obs_of_fact(&f, &o));
        assert_false(o.success);
        o.client_ip = C;
        o.server_ip = S;
        incident_observe(s, &o);
    }
    pipe_open(s, "PSEXESVC", 7, 5 * SEC);
    incident_flush(s);
    assert_string_equal(seen.in[0].tool, "psexec");
    assert_true(evidence_has(&seen.in[0], "service PSEXESVC create answered by a fault (0x1c010002 nca_s_op_rng_error)"));
    assert_false(evidence_has(&seen.in[0], "created"));
    incident_free(s);

    /* no response seen: the request alone is no "created" */
    s = stage(60, 0);
    service_reply(s, "RCreateServiceW", "updater", false, 0, 2 * SEC);
    incident_flush(s);
    assert_true(evidence_has(&seen.in[0], "service updater create sent (no response seen)"));
    assert_false(seen.in[0].services[0].created);
    incident_free(s);
}

static void sealed_task_call(incident_stage *s, const char *op, bool tcp, uint64_t t)
{
    smb_fact f;
    memset(&f, 0, sizeof f);
    f.h.kind = SMB_FACT_TASK;
    if (tcp)
        f.h.transport = SMB_TRANSPORT_TCP;
    f.h.have_request = f.h.have_response = true;
    f.u.task.pipe.tree.share = tcp ? NULL : "\\\\SRV\\IPC$";
    f.u.task.pipe.filename = tcp ? NULL : "atsvc";
    f.u.task.operation = op;
    f.u.task.encrypted = true;
    incident_obs o;
    assert_true(incident_obs_of_fact(&f, &o));
    assert_true(o.encrypted);
    o.client_ip = C;
    o.server_ip = S;
    o.flow_id = 8;
    o.ts_usec = t;
    incident_observe(s, &o);
}

/* impacket atexec at packet privacy: the task calls are known by their
 * opnums only. No task is made up (no "task  registered"), and not_seen
 * says the task scheduler was sealed. */
static void test_atexec_sealed(void **state)
{
    (void)state;
    incident_stage *s = stage(60, 0);
    pipe_open(s, "atsvc", 8, SEC);
    sealed_task_call(s, "SchRpcRegisterTask", false, 2 * SEC);
    sealed_task_call(s, "SchRpcRun", false, 3 * SEC);
    sealed_task_call(s, "SchRpcDelete", false, 4 * SEC);
    obs(s, IO_CREATE, "\\\\SRV\\ADMIN$", "Temp\\zuVtYkwM.tmp", 9, 5 * SEC);
    incident_flush(s);
    assert_int_equal(seen.n, 1);
    const incident *in = &seen.in[0];
    assert_string_equal(in->tool, "atexec");
    assert_int_equal(in->ntasks, 0);
    assert_true(in->tasks_sealed);
    assert_string_equal(in->sealed_task_ops, "SchRpcRegisterTask,SchRpcRun,SchRpcDelete");
    assert_false(evidence_has(in, "registered"));
    assert_true(evidence_has(in, "task scheduler reached sealed: SchRpcRegisterTask,SchRpcRun,SchRpcDelete seen"));
    assert_true(not_seen_is(in, "task scheduler (ITaskSchedulerService) sealed: calls not read"));
    assert_false(not_seen_is(in, "task registration (not decoded)"));
    /* the output read back is no file written */
    assert_int_equal(in->nfiles, 0);
    assert_int_equal(in->nfiles_read, 1);
    assert_string_equal(in->files_read[0].name, "Temp\\zuVtYkwM.tmp");
    assert_false(not_seen_is(in, "file contents (no WRITE seen to hash)"));
    incident_free(s);

    /* straight over TCP, no pipe, output read back from Temp\*.tmp: atexec */
    s = stage(60, 0);
    sealed_task_call(s, "SchRpcRegisterTask", true, 2 * SEC);
    obs(s, IO_CREATE, "\\\\SRV\\ADMIN$", "Temp\\abcdefgh.tmp", 9, 5 * SEC);
    incident_flush(s);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.in[0].tool, "atexec");
    assert_true(not_seen_is(&seen.in[0], "task scheduler (ITaskSchedulerService) sealed over TCP: calls not read"));
    incident_free(s);

    /* ATSVC sealed */
    s = stage(60, 0);
    pipe_open(s, "atsvc", 8, SEC);
    sealed_task_call(s, "NetrJobAdd", false, 2 * SEC);
    incident_flush(s);
    assert_true(not_seen_is(&seen.in[0], "task scheduler (ATSVC) sealed: calls not read"));
    incident_free(s);
}

/* Files opened on an admin share: written (a WRITE, or an open to write)
 * or only read. Only a written one lacking its WRITEs is said not seen. */
static void test_files_written_and_read(void **state)
{
    (void)state;
    smb_fact f;
    memset(&f, 0, sizeof f);
    f.h.kind = SMB_FACT_CREATE;
    f.u.file.tree.share = "\\\\SRV\\C$";
    f.u.file.filename = "__output";
    f.u.file.desired_access = 0x00000001; /* FILE_READ_DATA, as smbexec reads its output */
    f.u.file.create_disposition = 1;      /* FILE_OPEN */
    incident_obs o;
    assert_true(incident_obs_of_fact(&f, &o));
    assert_false(o.write_intent);
    f.u.file.desired_access = 0x00010000; /* DELETE: the output removed */
    assert_true(incident_obs_of_fact(&f, &o));
    assert_false(o.write_intent);
    f.u.file.desired_access = 0x40000000; /* GENERIC_WRITE */
    assert_true(incident_obs_of_fact(&f, &o));
    assert_true(o.write_intent);
    f.u.file.desired_access = 0x00000002; /* FILE_WRITE_DATA */
    assert_true(incident_obs_of_fact(&f, &o));
    assert_true(o.write_intent);
    f.u.file.desired_access = 0x00000001;
    f.u.file.create_disposition = 5; /* FILE_OVERWRITE_IF */
    assert_true(incident_obs_of_fact(&f, &o));
    assert_true(o.write_intent);

    /* a binary opened to write and never written (the WRITEs not on the
     * capture), the output only read */
    incident_stage *s = stage(60, 0);
    upload_open(s, "\\\\SRV\\ADMIN$", "PSEXESVC.exe", SEC);
    obs(s, IO_CREATE, "\\\\SRV\\C$", "__output", 1, 2 * SEC);
    pipe_open(s, "PSEXESVC", 1, 3 * SEC);
    incident_flush(s);
    assert_int_equal(seen.n, 1);
    const incident *in = &seen.in[0];
    assert_int_equal(in->nfiles, 1);
    assert_string_equal(in->files[0].name, "PSEXESVC.exe");
    assert_int_equal(in->nfiles_read, 1);
    assert_string_equal(in->files_read[0].name, "__output");
    assert_true(not_seen_is(in, "file contents (no WRITE seen to hash)"));
    assert_true(evidence_has(in, "file PSEXESVC.exe written to an admin share"));
    incident_free(s);

    /* only read: no upload claimed, no hash missed */
    s = stage(60, 0);
    obs(s, IO_CREATE, "\\\\SRV\\ADMIN$", "PSEXESVC.exe", 1, SEC);
    pipe_open(s, "PSEXESVC", 1, 3 * SEC);
    incident_flush(s);
    in = &seen.in[0];
    assert_int_equal(in->nfiles, 0);
    assert_int_equal(in->nfiles_read, 1);
    assert_false(not_seen_is(in, "file contents (no WRITE seen to hash)"));
    assert_false(evidence_has(in, "written to an admin share"));
    assert_true(not_seen_is(in, "service binary upload"));
    incident_free(s);
}

static uint8_t file_bytes[1000];

static void write_at(incident_stage *s, uint64_t off, size_t len, size_t missing)
{
    static const uint8_t fid[16] = {1, 2, 3};
    incident_obs o = {.kind = IO_WRITE,
                      .client_ip = C,
                      .server_ip = S,
                      .flow_id = 1,
                      .ts_usec = SEC,
                      .share = "\\\\SRV\\ADMIN$",
                      .name = "PSEXESVC.exe",
                      .file_id = fid,
                      .offset = off,
                      .data = file_bytes + off,
                      .len = len,
                      .missing = missing};
    incident_observe(s, &o);
}

static void close_with_pipe(incident_stage *s)
{
    pipe_open(s, "PSEXESVC", 1, 2 * SEC);
    incident_flush(s);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.in[0].nfiles, 1);
}

static void test_hash_in_order_out_of_order_and_gap(void **state)
{
    (void)state;
    for (int i = 0; i < 1000; i++)
        file_bytes[i] = (uint8_t)((i * 7 + 3) % 256);
    char hex[65];
    /* in order */
    incident_stage *s = stage(60, 0);
    write_at(s, 0, 300, 0);
    write_at(s, 300, 700, 0);
    close_with_pipe(s);
    assert_true(incident_file_sha256(&seen.in[0].files[0], hex));
    assert_string_equal(hex, "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371");
    assert_false(seen.in[0].files[0].partial);
    assert_int_equal(seen.in[0].files[0].size, 1000);
    incident_free(s);
    /* out of order: the last part first, then the middle, then the start */
    s = stage(60, 0);
    write_at(s, 600, 400, 0);
    write_at(s, 300, 300, 0);
    write_at(s, 0, 300, 0);
    close_with_pipe(s);
    assert_true(incident_file_sha256(&seen.in[0].files[0], hex));
    assert_string_equal(hex, "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371");
    assert_false(seen.in[0].files[0].partial);
    assert_int_equal(seen.in[0].files[0].hashed, 1000);
    incident_free(s);
    /* a gap that is never filled: the hash covers the first 300 bytes, and says so */
    s = stage(60, 0);
    write_at(s, 0, 300, 0);
    write_at(s, 600, 400, 0);
    close_with_pipe(s);
    assert_true(incident_file_sha256(&seen.in[0].files[0], hex));
    assert_string_equal(hex, "04773f8726c81cafcfa1a09a82664b98b00d2021031a1715bca1154f2dad3472");
    assert_true(seen.in[0].files[0].partial);
    assert_int_equal(seen.in[0].files[0].hashed, 300);
    assert_int_equal(seen.in[0].files[0].size, 1000);
    incident_free(s);
    /* bytes of a write the sensor did not hold (a message past max-pdu-buffer) */
    s = stage(60, 0);
    write_at(s, 0, 300, 700);
    close_with_pipe(s);
    assert_true(seen.in[0].files[0].partial);
    assert_int_equal(seen.in[0].files[0].size, 1000);
    incident_free(s);
    /* written again over hashed bytes: the file may differ from the hash */
    s = stage(60, 0);
    write_at(s, 0, 1000, 0);
    write_at(s, 100, 10, 0);
    close_with_pipe(s);
    assert_true(seen.in[0].files[0].partial);
    incident_free(s);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    sha256_ctx c;
    uint8_t d[32];
    char hex[65];
    sha256_init(&c);
    sha256_update(&c, "abc", 3);
    sha256_peek(&c, d);
    sha256_hex(d, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    static uint8_t a[1000000];
    memset(a, 'a', sizeof(a));
    sha256_init(&c);
    for (size_t off = 0; off < sizeof(a); off += 777)
        sha256_update(&c, a + off, sizeof(a) - off < 777 ? sizeof(a) - off : 777);
    sha256_peek(&c, d);
    sha256_hex(d, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_flood_of_half_runs(void **state)
{
    (void)state;
    /* 256 KiB: a few open incidents; 20000 clients each opening only PsExec's control pipe */
    incident_stage *s = stage(600, 256 * 1024);
    incident_stats st = incident_get_stats(s);
    uint32_t max_open = st.max_open;
    assert_true(max_open >= 1 && max_open < 64);
    char ip[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(ip, sizeof(ip), "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        incident_obs o = {.kind = IO_CREATE,
                          .client_ip = ip,
                          .server_ip = S,
                          .flow_id = (uint64_t)i + 1,
                          .ts_usec = (uint64_t)i * 1000,
                          .share = "\\\\SRV\\IPC$",
                          .name = "PSEXESVC"};
        incident_observe(s, &o);
    }
    st = incident_get_stats(s);
    assert_true(st.open_peak <= max_open);
    assert_int_equal(st.evicted, 20000 - max_open);
    incident_flush(s);
    st = incident_get_stats(s);
    assert_int_equal(st.reported, 20000); /* each half-run is still told, evicted or not */
    assert_int_equal(seen.total, 20000);
    assert_true(seen.in[0].evicted);
    incident_free(s);
}

typedef struct feeder {
    incident_stage *s;
    int part;
} feeder;

static void *feed_thread(void *arg)
{
    feeder *f = arg;
    char name[64];
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof(name), "updsvc-WKS01-4242-std%s", f->part ? "out" : "in");
        incident_obs o = {.kind = IO_CREATE,
                          .client_ip = C,
                          .server_ip = S,
                          .flow_id = (uint64_t)(f->part + 1),
                          .ts_usec = (uint64_t)i * 1000,
                          .share = "\\\\SRV\\IPC$",
                          .name = name};
        incident_observe(f->s, &o);
    }
    return NULL;
}

static void test_two_workers_one_incident(void **state)
{
    (void)state;
    incident_stage *s = stage(60, 0);
    feeder a = {s, 0}, b = {s, 1};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, feed_thread, &a);
    pthread_create(&tb, NULL, feed_thread, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    incident_flush(s);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.in[0].observations, 4000);
    assert_int_equal(seen.in[0].nflows, 2);
    assert_int_equal(seen.in[0].npipes, 2);
    incident_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grouping_across_flows),
        cmocka_unit_test(test_attribution_each_tool),
        cmocka_unit_test(test_attribution_commands_and_gaps),
        cmocka_unit_test(test_smbexec_sealed_over_tcp),
        cmocka_unit_test(test_atexec_task_from_fact),
        cmocka_unit_test(test_at_job_is_not_atexec),
        cmocka_unit_test(test_service_create_refused),
        cmocka_unit_test(test_atexec_sealed),
        cmocka_unit_test(test_files_written_and_read),
        cmocka_unit_test(test_hash_in_order_out_of_order_and_gap),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_flood_of_half_runs),
        cmocka_unit_test(test_two_workers_one_incident),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
