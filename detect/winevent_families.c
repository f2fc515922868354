#include "winevent_families.h"

const win_family WIN_FAMILY_SECURITY = {
    .channel = "Security",
    .provider = "Microsoft-Windows-Security-Auditing",
    .product = "windows",
    .service = "security",
    .category = NULL,
    .keyword_success = "Audit Success",
    .keyword_failure = "Audit Failure",
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
