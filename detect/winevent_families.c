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

static const char *const fields_5145[] = {
    "SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId", "ObjectType",
    "IpAddress",      "IpPort",          "ShareName",         "ShareLocalPath", "RelativeTargetName",
    "AccessMask",     "AccessList",      "AccessReason",
};

static const char *const fields_5140[] = {
    "SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId", "ObjectType", "IpAddress",
    "IpPort",         "ShareName",       "ShareLocalPath",    "AccessMask",     "AccessList",
};

const win_event_def WIN_EVENT_5145 = {5145, "5145", &WIN_FAMILY_SECURITY, fields_5145,
                                      sizeof fields_5145 / sizeof fields_5145[0]};
const win_event_def WIN_EVENT_5140 = {5140, "5140", &WIN_FAMILY_SECURITY, fields_5140,
                                      sizeof fields_5140 / sizeof fields_5140[0]};

static const win_event_def *const all_defs[] = {&WIN_EVENT_5145, &WIN_EVENT_5140};

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
