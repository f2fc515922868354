#include "winevent_families.h"

const win_family WIN_FAMILY_SECURITY = {
    .channel = "Security",
    .provider = "Microsoft-Windows-Security-Auditing",
    .product = "windows",
    .service = "security",
    .category = NULL,
    .keyword_success = "Audit Success",
    .keyword_failure = "Audit Failure",
    /* <Level>0</Level>, rendered "Information" (Winlogbeat's log.level) */
    .level = "information",
    .provider_guid = "{54849625-5478-4994-a5ba-3e3b0328c30d}",
};

/* Classic (pre-manifest) provider: Keywords 0x8080000000000000, which
 * Winlogbeat names "Classic"; Level 4, information (docs/events.md). */
const win_family WIN_FAMILY_SYSTEM_SCM = {
    .channel = "System",
    .provider = "Service Control Manager",
    .product = "windows",
    .service = "system",
    .category = NULL,
    .keyword_success = "Classic",
    .keyword_failure = "Classic",
    .level = "information",
    /* <Provider Name="Service Control Manager" Guid=...> in psexec-7045.evtx */
    .provider_guid = "{555908d1-a6d7-4695-8e1e-26931d2012f4}",
};

const win_family WIN_FAMILY_PIPEWATCH_SVCCTL = {
    .channel = "pipewatch",
    .provider = "pipewatch",
    .product = "pipewatch",
    .service = "svcctl",
    .category = NULL,
    .keyword_success = "",
    .keyword_failure = "",
    .level = NULL,
    .rules_only = true,
};

static const char *const fields_5145[] = {
    "SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId", "ObjectType",
    "IpAddress",      "IpPort",          "ShareName",         "ShareLocalPath", "RelativeTargetName",
    "AccessMask",     "AccessList",      "AccessReason",
};

static const char *const fields_5140[] = {
    "SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId", "ObjectType", "IpAddress",
    "IpPort",         "ShareName",       "ShareLocalPath",    "AccessMask",     "AccessList",
};

static const char *const fields_7045[] = {"ServiceName", "ImagePath", "ServiceType", "StartType", "AccountName"};

static const char *const fields_4697[] = {
    "SubjectUserSid",  "SubjectUserName", "SubjectDomainName", "SubjectLogonId", "ServiceName",
    "ServiceFileName", "ServiceType",     "ServiceStartType",  "ServiceAccount",
};

static const char *const fields_4698[] = {"SubjectUserSid", "SubjectUserName", "SubjectDomainName",
                                          "SubjectLogonId", "TaskName",        "TaskContent"};

static const char *const fields_7040[] = {"param1", "param2", "param3", "param4"};

const win_event_def WIN_EVENT_7045 = {7045, "7045", &WIN_FAMILY_SYSTEM_SCM, fields_7045,
                                      sizeof fields_7045 / sizeof fields_7045[0]};
const win_event_def WIN_EVENT_4697 = {4697, "4697", &WIN_FAMILY_SECURITY, fields_4697,
                                      sizeof fields_4697 / sizeof fields_4697[0]};
static const char *const fields_pw_path[] = {"Operation", "ServiceName", "BinaryPath", "StartType", "ReturnCode"};

const win_event_def WIN_EVENT_PW_SERVICE_PATH = {0, "0", &WIN_FAMILY_PIPEWATCH_SVCCTL, fields_pw_path,
                                                 sizeof fields_pw_path / sizeof fields_pw_path[0]};
const win_event_def WIN_EVENT_4698 = {4698, "4698", &WIN_FAMILY_SECURITY, fields_4698,
                                      sizeof fields_4698 / sizeof fields_4698[0]};
const win_event_def WIN_EVENT_7040 = {7040, "7040", &WIN_FAMILY_SYSTEM_SCM, fields_7040,
                                      sizeof fields_7040 / sizeof fields_7040[0]};
const win_event_def WIN_EVENT_5145 = {5145, "5145", &WIN_FAMILY_SECURITY, fields_5145,
                                      sizeof fields_5145 / sizeof fields_5145[0]};
const win_event_def WIN_EVENT_5140 = {5140, "5140", &WIN_FAMILY_SECURITY, fields_5140,
                                      sizeof fields_5140 / sizeof fields_5140[0]};

/* System values of the logs read (docs/events.md): Task and its rendered
 * name, Version, Opcode 0 ("Info"). */
static const win_envelope envelopes[] = {
    {5145, 12811, "Detailed File Share", 0, "Info"},
    {5140, 12808, "File Share", 1, "Info"},
    {4697, 12289, "Security System Extension", 0, "Info"},
    {4698, 12804, "Other Object Access Events", 0, "Info"},
};

const win_envelope *winevent_envelope(uint16_t event_id)
{
    for (size_t i = 0; i < sizeof envelopes / sizeof envelopes[0]; i++) {
        if (envelopes[i].event_id == event_id)
            return &envelopes[i];
    }
    return NULL;
}

static const win_event_def *const all_defs[] = {&WIN_EVENT_5145, &WIN_EVENT_5140, &WIN_EVENT_7045, &WIN_EVENT_4697,
                                                &WIN_EVENT_7040, &WIN_EVENT_4698, &WIN_EVENT_PW_SERVICE_PATH};

const win_event_def *winevent_def(uint16_t event_id)
{
    for (size_t i = 0; i < sizeof all_defs / sizeof all_defs[0]; i++) {
        if (all_defs[i]->event_id == event_id)
            return all_defs[i];
    }
    return NULL;
}

const win_event_def *const *winevent_defs(size_t *n)
{
    *n = sizeof all_defs / sizeof all_defs[0];
    return all_defs;
}
