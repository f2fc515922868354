/* Which remote-execution tool an incident was: rules over the pipe names,
 * services, files and tasks it holds. Each rule and its public source is in
 * docs/incidents.md; the most specific rule that fits wins. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "incident.h"

static bool starts(const char *s, const char *p) { return strncasecmp(s, p, strlen(p)) == 0; }

static bool ends(const char *s, const char *p)
{
    size_t n = strlen(s), m = strlen(p);
    return n >= m && strcasecmp(s + n - m, p) == 0;
}

static const char *ci_find(const char *s, const char *needle)
{
    size_t m = strlen(needle);
    for (; *s; s++)
        if (strncasecmp(s, needle, m) == 0)
            return s;
    return NULL;
}

static void evidence(incident *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void evidence(incident *in, const char *fmt, ...)
{
    if (in->nevidence == INCIDENT_MAX_EVIDENCE)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->evidence[in->nevidence++], INCIDENT_TEXT_MAX, fmt, ap);
    va_end(ap);
}

static void not_seen(incident *in, const char *what)
{
    for (uint32_t i = 0; i < in->nnot_seen; i++)
        if (strcmp(in->not_seen[i], what) == 0)
            return;
    if (in->nnot_seen < 4)
        snprintf(in->not_seen[in->nnot_seen++], INCIDENT_NAME_MAX, "%s", what);
}

static const char *stdio_suffix(const char *pipe)
{
    static const char *const sfx[] = {"-stdin", "-stdout", "-stderr"};
    for (int i = 0; i < 3; i++)
        if (ends(pipe, sfx[i]))
            return sfx[i];
    return NULL;
}

/* `<name>-<host>-<pid>-stdin|stdout|stderr`: PsExec's stdio pipes. The name
 * (PSEXESVC, or what -r gave) goes to out. */
static bool psexec_stdio(const char *pipe, char *name, size_t cap)
{
    const char *sfx = stdio_suffix(pipe);
    if (!sfx)
        return false;
    size_t n = strlen(pipe) - strlen(sfx);
    /* back over the pid (digits), then the host */
    size_t i = n;
    while (i > 0 && isdigit((unsigned char)pipe[i - 1]))
        i--;
    if (i == n || i == 0 || pipe[i - 1] != '-')
        return false;
    i--;
    const char *dash = NULL;
    for (size_t k = i; k > 0; k--)
        if (pipe[k - 1] == '-') {
            dash = pipe + k - 1;
            break;
        }
    if (!dash || dash == pipe)
        return false;
    snprintf(name, cap, "%.*s", (int)(dash - pipe), pipe);
    return true;
}

static bool has_pipe(const incident *in, const char *name)
{
    for (uint32_t i = 0; i < in->npipes; i++)
        if (strcasecmp(in->pipes[i], name) == 0)
            return true;
    return false;
}

static const char *pipe_starting(const incident *in, const char *prefix)
{
    for (uint32_t i = 0; i < in->npipes; i++)
        if (starts(in->pipes[i], prefix))
            return in->pipes[i];
    return NULL;
}

static const incident_service *service_named(const incident *in, const char *prefix, bool exact)
{
    for (uint32_t i = 0; i < in->nservices; i++)
        if (exact ? strcasecmp(in->services[i].name, prefix) == 0 : starts(in->services[i].name, prefix))
            return &in->services[i];
    return NULL;
}

static const incident_file *file_named(const incident *in, const char *name)
{
    for (uint32_t i = 0; i < in->nfiles; i++) {
        const char *b = strrchr(in->files[i].name, '\\');
        b = b ? b + 1 : in->files[i].name;
        if (strcasecmp(b, name) == 0)
            return &in->files[i];
    }
    return NULL;
}

/* smbexec (impacket, CrackMapExec) puts each command in a service's binary
 * path: `%COMSPEC% /Q /c echo <command> ^> \\127.0.0.1\C$\__output 2^>^&1 ...`. */
bool incident_smbexec_command(const char *bin, char *out, size_t cap)
{
    const char *e = ci_find(bin, "/c echo ");
    if (!e || !ci_find(bin, "__output"))
        return false;
    e += strlen("/c echo ");
    const char *end = strstr(e, " ^>");
    if (!end)
        end = e + strlen(e);
    snprintf(out, cap, "%.*s", (int)(end - e), e);
    return true;
}

/* impacket's psexec.py names its stdio pipes RemCom_stdin + 4 random letters
 * + its pid; RemCom itself uses the client's host name and pid. */
static bool impacket_tag(const char *suffix, const char *workstation)
{
    size_t n = strlen(suffix);
    if (n < 5)
        return false;
    for (int i = 0; i < 4; i++)
        if (!isalpha((unsigned char)suffix[i]))
            return false;
    for (size_t i = 4; i < n; i++)
        if (!isdigit((unsigned char)suffix[i]))
            return false;
    return !(workstation && *workstation && starts(suffix, workstation));
}

static bool binary_is(const incident_service *sv, const char *needle)
{
    return sv && sv->binary_path[0] && ci_find(sv->binary_path, needle);
}

/* What became of a service: "created", "create refused (1073
 * ERROR_SERVICE_EXISTS), then started" ... */
static void service_state(const incident_service *sv, char *out, size_t cap)
{
    if (sv->created)
        snprintf(out, cap, "created");
    else if (sv->create_fault)
        snprintf(out, cap, "create answered by a fault (0x%08x%s)%s", sv->create_status,
                 sv->create_status == 0x1c010002u ? " nca_s_op_rng_error" : "", sv->started ? ", then started" : "");
    else if (sv->create_refused)
        snprintf(out, cap, "create refused (%u%s)%s", sv->create_status,
                 sv->create_status == 1073 ? " ERROR_SERVICE_EXISTS" : "", sv->started ? ", then started" : "");
    else if (sv->create_sent)
        snprintf(out, cap, "create sent (no response seen)%s", sv->started ? ", then started" : "");
    else
        snprintf(out, cap, "%s (%s)", sv->started ? "started" : "used", sv->operations);
}

static const char *sealed_tasks_text(const incident *in)
{
    if (in->tasks_sealed_atsvc)
        return in->tasks_sealed_tcp ? "task scheduler (ATSVC) sealed over TCP: calls not read"
                                    : "task scheduler (ATSVC) sealed: calls not read";
    return in->tasks_sealed_tcp ? "task scheduler (ITaskSchedulerService) sealed over TCP: calls not read"
                                : "task scheduler (ITaskSchedulerService) sealed: calls not read";
}

static void common_gaps(incident *in, bool wants_service)
{
    if (in->no_session_setup && !in->user[0])
        not_seen(in, "logon (user not known)");
    if (in->tasks_sealed)
        not_seen(in, sealed_tasks_text(in));
    if (in->svcctl_sealed_tcp)
        not_seen(in, "svcctl sealed over TCP (service name and binary hidden)");
    else if (in->svcctl_sealed)
        not_seen(in, "svcctl (sealed: service name and binary hidden)");
    else if (wants_service && in->nservices == 0)
        not_seen(in, "service creation (svcctl)");
    for (uint32_t i = 0; i < in->nfiles; i++)
        if (in->files[i].written == 0)
            not_seen(in, "file contents (no WRITE seen to hash)");
}

static void add_cmd(incident *in, const char *cmd)
{
    for (uint32_t k = 0; k < in->ncommands; k++)
        if (strcmp(in->commands[k], cmd) == 0)
            return;
    if (in->ncommands == INCIDENT_MAX_COMMANDS)
        return;
    size_t n = strnlen(cmd, INCIDENT_TEXT_MAX - 1);
    memmove(in->commands[in->ncommands], cmd, n);
    in->commands[in->ncommands++][n] = 0;
}

void incident_attribute(incident *in)
{
    in->tool = NULL;
    in->nevidence = 0;
    in->nnot_seen = 0;
    const char *p;
    char name[INCIDENT_NAME_MAX];

    /* commands in clear, whichever tool */
    for (uint32_t i = 0; i < in->nservices; i++) {
        char cmd[INCIDENT_TEXT_MAX];
        const incident_service *sv = &in->services[i];
        if (incident_smbexec_command(sv->binary_path, cmd, sizeof(cmd)))
            add_cmd(in, cmd);
        else if (ci_find(sv->binary_path, " /c ") || ci_find(sv->binary_path, "powershell"))
            add_cmd(in, sv->binary_path);
    }

    /* PAExec: PAExecIn/Out/Err<host><pid>, service and file PAExec-<pid>-<host> */
    if ((p = pipe_starting(in, "PAExecIn")) || (p = pipe_starting(in, "PAExecOut")) ||
        (p = pipe_starting(in, "PAExecErr"))) {
        in->tool = "paexec";
        evidence(in, "pipe %s: PAExec's stdio pipe name (PAExecIn|Out|Err<host><pid>)", p);
    }
    const incident_service *sv = service_named(in, "PAExec-", false);
    if (sv) {
        in->tool = "paexec";
        evidence(in, "service %s: PAExec's service name (PAExec-<pid>-<host>)", sv->name);
    }
    if (in->tool) {
        common_gaps(in, true);
        return;
    }

    /* winexe: ahexec control pipe, ahexec_stdin/stdout/stderr..., service winexesvc */
    if (has_pipe(in, "ahexec") || (p = pipe_starting(in, "ahexec_")) || service_named(in, "winexesvc", true)) {
        in->tool = "winexe";
        if (has_pipe(in, "ahexec"))
            evidence(in, "pipe ahexec: winexe's control pipe");
        if ((p = pipe_starting(in, "ahexec_")))
            evidence(in, "pipe %s: winexe's stdio pipe", p);
        if (service_named(in, "winexesvc", true))
            evidence(in, "service winexesvc: winexe's service");
        common_gaps(in, false);
        return;
    }

    /* CSExec: csexecsvc pipe and service */
    if (has_pipe(in, "csexecsvc") || service_named(in, "csexecsvc", true)) {
        in->tool = "csexec";
        evidence(in, "%s csexecsvc: CSExec's service and pipe name", has_pipe(in, "csexecsvc") ? "pipe" : "service");
        common_gaps(in, true);
        return;
    }

    /* RemCom and impacket psexec.py (RemCom's service, renamed) */
    if (has_pipe(in, "RemCom_communicaton") || pipe_starting(in, "RemCom_std")) {
        const char *stdio = pipe_starting(in, "RemCom_stdin");
        if (!stdio)
            stdio = pipe_starting(in, "RemCom_stdout");
        if (!stdio)
            stdio = pipe_starting(in, "RemCom_stderr");
        const char *suffix = !stdio ? "" : stdio + (starts(stdio, "RemCom_stdin") ? 12 : 13);
        bool imp = stdio && impacket_tag(suffix, in->workstation);
        in->tool = imp ? "impacket-psexec" : "remcom";
        if (has_pipe(in, "RemCom_communicaton"))
            evidence(in, "pipe RemCom_communicaton: RemCom's control pipe (impacket psexec.py reuses it)");
        if (stdio)
            evidence(in,
                     imp ? "pipe %s: stdio pipe tagged with 4 random letters and a pid, as impacket's psexec.py "
                           "names them"
                         : "pipe %s: RemCom's stdio pipe (host name and pid)",
                     stdio);
        for (uint32_t i = 0; i < in->nservices; i++)
            if (in->services[i].create_sent) {
                char st[INCIDENT_TEXT_MAX];
                service_state(&in->services[i], st, sizeof st);
                evidence(in, "service %s %s with binary %s", in->services[i].name, st, in->services[i].binary_path);
            }
        common_gaps(in, true);
        return;
    }

    /* smbexec: a service whose binary path echoes a command into __output */
    for (uint32_t i = 0; i < in->nservices; i++) {
        char cmd[INCIDENT_TEXT_MAX];
        if (incident_smbexec_command(in->services[i].binary_path, cmd, sizeof(cmd))) {
            in->tool = "smbexec";
            evidence(in, "service %s: binary path runs a command through %%COMSPEC%% into __output (smbexec)",
                     in->services[i].name);
            common_gaps(in, false);
            return;
        }
    }

    /* Metasploit psexec (PowerShell target): a service that starts a hidden PowerShell */
    for (uint32_t i = 0; i < in->nservices; i++) {
        const incident_service *m = &in->services[i];
        if (binary_is(m, "powershell") && (binary_is(m, "-w hidden") || binary_is(m, "-nop"))) {
            in->tool = "metasploit-psexec";
            evidence(in, "service %s: binary path starts a hidden PowerShell (%s)", m->name, m->binary_path);
            common_gaps(in, false);
            return;
        }
    }

    /* Sysinternals PsExec, and PsExec renamed with -r */
    const char *stdio_pipe = NULL;
    char psname[INCIDENT_NAME_MAX] = "";
    for (uint32_t i = 0; i < in->npipes && !stdio_pipe; i++)
        if (psexec_stdio(in->pipes[i], name, sizeof(name))) {
            stdio_pipe = in->pipes[i];
            snprintf(psname, sizeof(psname), "%s", name);
        }
    /* host names may hold dashes: the control pipe (or PSEXESVC itself) that
     * the stdio pipe starts with names the service better */
    if (stdio_pipe) {
        if (starts(stdio_pipe, "PSEXESVC-"))
            snprintf(psname, sizeof(psname), "PSEXESVC");
        size_t best = 0;
        for (uint32_t i = 0; i < in->npipes; i++) {
            size_t n = strlen(in->pipes[i]);
            if (n > best && in->pipes[i] != stdio_pipe && !stdio_suffix(in->pipes[i]) &&
                strncasecmp(stdio_pipe, in->pipes[i], n) == 0 && stdio_pipe[n] == '-') {
                best = n;
                snprintf(psname, sizeof(psname), "%s", in->pipes[i]);
            }
        }
    }
    bool default_name = (stdio_pipe && strcasecmp(psname, "PSEXESVC") == 0) || has_pipe(in, "PSEXESVC") ||
                        service_named(in, "PSEXESVC", true) || file_named(in, "PSEXESVC.exe");
    if (stdio_pipe || default_name) {
        in->tool = default_name && (!stdio_pipe || strcasecmp(psname, "PSEXESVC") == 0) ? "psexec" : "psexec-renamed";
        if (stdio_pipe)
            evidence(in, "pipe %s: PsExec's stdio pipe (<service>-<host>-<pid>-stdin|stdout|stderr)", stdio_pipe);
        const char *svc = psname[0] ? psname : "PSEXESVC";
        if (has_pipe(in, svc))
            evidence(in, "pipe %s: PsExec's control pipe, named as its service", svc);
        snprintf(name, sizeof(name), "%s.exe", svc);
        if (file_named(in, name))
            evidence(in, "file %s written to an admin share: the service binary", name);
        if ((sv = service_named(in, svc, true))) {
            char st[INCIDENT_TEXT_MAX];
            service_state(sv, st, sizeof st);
            evidence(in, "service %s %s", svc, st);
        }
        if (strcmp(in->tool, "psexec-renamed") == 0)
            evidence(in, "service name %s is not PSEXESVC: PsExec run with -r", svc);
        common_gaps(in, true);
        if (!file_named(in, name))
            not_seen(in, "service binary upload");
        return;
    }

    /* atexec: a task whose command writes its output to %windir%\Temp\<name>.tmp (read back over
     * ADMIN$), or a task registered through the at service's pipe (atexec.py speaks the Task
     * Scheduler's own interface there); any other task registered remotely, AT jobs (ATSVC
     * NetrJobAdd, as at.exe \\host makes them) among them */
    bool atexec_like = false, all_at_jobs = in->ntasks > 0;
    for (uint32_t i = 0; i < in->ntasks; i++) {
        atexec_like |= ci_find(in->tasks[i].command, "\\Temp\\") && ci_find(in->tasks[i].command, ".tmp 2>&1");
        all_at_jobs &= in->tasks[i].at_job;
    }
    if (in->ntasks && !atexec_like && (!has_pipe(in, "atsvc") || all_at_jobs)) {
        in->tool = "scheduled-task-exec";
        if (all_at_jobs) {
            evidence(in, "AT job %s added remotely (ATSVC NetrJobAdd) with command %s", in->tasks[0].name,
                     in->tasks[0].command);
            if (has_pipe(in, "atsvc"))
                evidence(in, "pipe atsvc: the ATSVC interface, as at.exe \\\\host uses it");
        } else
            evidence(in, "task %s registered remotely with command %s", in->tasks[0].name, in->tasks[0].command);
        common_gaps(in, false);
        return;
    }
    /* sealed task scheduler calls: their opnums name them, nothing else; a
     * file read back from Temp\*.tmp is atexec's output */
    const incident_file_read *tmp = NULL;
    for (uint32_t i = 0; i < in->nfiles_read && !tmp; i++)
        if (ci_find(in->files_read[i].name, "Temp\\") && ends(in->files_read[i].name, ".tmp"))
            tmp = &in->files_read[i];
    if (in->ntasks || has_pipe(in, "atsvc") || in->tasks_sealed) {
        in->tool = in->ntasks || has_pipe(in, "atsvc") || tmp ? "atexec" : "scheduled-task-exec";
        if (atexec_like)
            evidence(in, "task %s runs a command into %%windir%%\\Temp\\*.tmp 2>&1, as impacket's atexec.py does",
                     in->tasks[0].name);
        else if (in->ntasks)
            evidence(in, "task %s registered", in->tasks[0].name[0] ? in->tasks[0].name : "(name not given)");
        if (in->tasks_sealed)
            evidence(in, "task scheduler reached sealed%s: %s seen by opnum, task and command hidden",
                     in->tasks_sealed_tcp ? " over TCP" : "", in->sealed_task_ops);
        if (has_pipe(in, "atsvc"))
            evidence(in, "pipe atsvc: the task scheduler's ATSVC interface");
        if (tmp && !atexec_like)
            evidence(in, "file %s read on %s: where atexec reads a command's output back", tmp->name, tmp->share);
        if (!in->ntasks && !in->tasks_sealed)
            not_seen(in, "task registration (not decoded)");
        common_gaps(in, false);
        return;
    }

    /* smbexec with sealed svcctl (it reaches the SCM over TCP, packet
     * privacy): the opnums stay in clear, and each command is a service
     * created, started and deleted at once, its output read back from a
     * file of an admin share */
    if (in->sealed_creates && in->sealed_deletes && (in->nfiles_read || in->nfiles)) {
        in->tool = "smbexec";
        evidence(in,
                 "svcctl sealed%s: %u service create(s), %u start(s), %u delete(s) sent, one per command, as smbexec "
                 "does",
                 in->svcctl_sealed_tcp ? " over TCP" : "", in->sealed_creates, in->sealed_starts, in->sealed_deletes);
        evidence(in, "file %s opened on %s: where the commands' output is read back",
                 in->nfiles_read ? in->files_read[0].name : in->files[0].name,
                 in->nfiles_read ? in->files_read[0].share : in->files[0].share);
        common_gaps(in, false);
        return;
    }

    /* any other service created over the wire */
    for (uint32_t i = 0; i < in->nservices; i++) {
        if (!in->services[i].create_sent)
            continue;
        char st[INCIDENT_TEXT_MAX];
        service_state(&in->services[i], st, sizeof st);
        in->tool = "unknown-service-exec";
        evidence(in, "service %s %s with binary %s", in->services[i].name, st, in->services[i].binary_path);
        for (uint32_t k = 0; k < in->nfiles; k++)
            evidence(in, "file %s written to %s", in->files[k].name, in->files[k].share);
        common_gaps(in, false);
        return;
    }
    /* an admin-share upload followed by sealed svcctl: the service is hidden, the run is not */
    if (in->svcctl_sealed && in->nfiles) {
        in->tool = "unknown-service-exec";
        evidence(in, "file %s written to %s, then svcctl sealed", in->files[0].name, in->files[0].share);
        common_gaps(in, false);
    }
}
