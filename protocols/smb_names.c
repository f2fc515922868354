/* Names used in output for commands, statuses, dialects and dispositions. */
#include <stddef.h>

#include "smb_conn.h"

const char *smb2_command_name(uint16_t cmd)
{
    static const char *const names[] = {
        "SMB2_COMMAND_NEGOTIATE_PROTOCOL", "SMB2_COMMAND_SESSION_SETUP", "SMB2_COMMAND_SESSION_LOGOFF",
        "SMB2_COMMAND_TREE_CONNECT",       "SMB2_COMMAND_TREE_DISCONNECT", "SMB2_COMMAND_CREATE",
        "SMB2_COMMAND_CLOSE",              "SMB2_COMMAND_FLUSH",           "SMB2_COMMAND_READ",
        "SMB2_COMMAND_WRITE",              "SMB2_COMMAND_LOCK",            "SMB2_COMMAND_IOCTL",
        "SMB2_COMMAND_CANCEL",             "SMB2_COMMAND_KEEPALIVE",       "SMB2_COMMAND_FIND",
        "SMB2_COMMAND_CHANGE_NOTIFY",      "SMB2_COMMAND_GET_INFO",        "SMB2_COMMAND_SET_INFO",
        "SMB2_COMMAND_OPLOCK_BREAK",
    };
    return cmd < sizeof(names) / sizeof(names[0]) ? names[cmd] : "SMB2_COMMAND_UNKNOWN";
}

const char *smb1_command_name(uint8_t cmd)
{
    switch (cmd) {
    case 0x00: return "SMB1_COMMAND_CREATE_DIRECTORY";
    case 0x01: return "SMB1_COMMAND_DELETE_DIRECTORY";
    case 0x02: return "SMB1_COMMAND_OPEN";
    case 0x03: return "SMB1_COMMAND_CREATE";
    case 0x04: return "SMB1_COMMAND_CLOSE";
    case 0x05: return "SMB1_COMMAND_FLUSH";
    case 0x06: return "SMB1_COMMAND_DELETE";
    case 0x07: return "SMB1_COMMAND_RENAME";
    case 0x08: return "SMB1_COMMAND_QUERY_INFORMATION";
    case 0x09: return "SMB1_COMMAND_SET_INFORMATION";
    case 0x0a: return "SMB1_COMMAND_READ";
    case 0x0b: return "SMB1_COMMAND_WRITE";
    case 0x24: return "SMB1_COMMAND_LOCKING_ANDX";
    case 0x25: return "SMB1_COMMAND_TRANS";
    case 0x2b: return "SMB1_COMMAND_ECHO";
    case 0x2d: return "SMB1_COMMAND_OPEN_ANDX";
    case 0x2e: return "SMB1_COMMAND_READ_ANDX";
    case 0x2f: return "SMB1_COMMAND_WRITE_ANDX";
    case 0x32: return "SMB1_COMMAND_TRANS2";
    case 0x34: return "SMB1_COMMAND_FIND_CLOSE2";
    case 0x70: return "SMB1_COMMAND_TREE_CONNECT";
    case 0x71: return "SMB1_COMMAND_TREE_DISCONNECT";
    case 0x72: return "SMB1_COMMAND_NEGOTIATE_PROTOCOL";
    case 0x73: return "SMB1_COMMAND_SESSION_SETUP_ANDX";
    case 0x74: return "SMB1_COMMAND_LOGOFF_ANDX";
    case 0x75: return "SMB1_COMMAND_TREE_CONNECT_ANDX";
    case 0xa0: return "SMB1_COMMAND_NT_TRANS";
    case 0xa2: return "SMB1_COMMAND_NT_CREATE_ANDX";
    case 0xa4: return "SMB1_COMMAND_NT_CANCEL";
    case 0xff: return "SMB1_COMMAND_NONE";
    default: return "SMB1_COMMAND_UNKNOWN";
    }
}

const char *smb_status_name(uint32_t status)
{
    switch (status) {
    case 0x00000000: return "STATUS_SUCCESS";
    case 0x00000103: return "STATUS_PENDING";
    case 0x0000010B: return "STATUS_NOTIFY_CLEANUP";
    case 0x0000010C: return "STATUS_NOTIFY_ENUM_DIR";
    case 0x80000005: return "STATUS_BUFFER_OVERFLOW";
    case 0x80000006: return "STATUS_NO_MORE_FILES";
    case 0x8000002D: return "STATUS_STOPPED_ON_SYMLINK";
    case 0xC0000001: return "STATUS_UNSUCCESSFUL";
    case 0xC0000002: return "STATUS_NOT_IMPLEMENTED";
    case 0xC0000003: return "STATUS_INVALID_INFO_CLASS";
    case 0xC0000004: return "STATUS_INFO_LENGTH_MISMATCH";
    case 0xC0000008: return "STATUS_INVALID_HANDLE";
    case 0xC000000D: return "STATUS_INVALID_PARAMETER";
    case 0xC000000E: return "STATUS_NO_SUCH_DEVICE";
    case 0xC000000F: return "STATUS_NO_SUCH_FILE";
    case 0xC0000010: return "STATUS_INVALID_DEVICE_REQUEST";
    case 0xC0000011: return "STATUS_END_OF_FILE";
    case 0xC0000016: return "STATUS_MORE_PROCESSING_REQUIRED";
    case 0xC0000022: return "STATUS_ACCESS_DENIED";
    case 0xC0000023: return "STATUS_BUFFER_TOO_SMALL";
    case 0xC0000033: return "STATUS_OBJECT_NAME_INVALID";
    case 0xC0000034: return "STATUS_OBJECT_NAME_NOT_FOUND";
    case 0xC0000035: return "STATUS_OBJECT_NAME_COLLISION";
    case 0xC0000039: return "STATUS_OBJECT_PATH_INVALID";
    case 0xC000003A: return "STATUS_OBJECT_PATH_NOT_FOUND";
    case 0xC000003B: return "STATUS_OBJECT_PATH_SYNTAX_BAD";
    case 0xC0000043: return "STATUS_SHARING_VIOLATION";
    case 0xC0000054: return "STATUS_FILE_LOCK_CONFLICT";
    case 0xC0000055: return "STATUS_LOCK_NOT_GRANTED";
    case 0xC0000056: return "STATUS_DELETE_PENDING";
    case 0xC0000061: return "STATUS_PRIVILEGE_NOT_HELD";
    case 0xC000006A: return "STATUS_WRONG_PASSWORD";
    case 0xC000006D: return "STATUS_LOGON_FAILURE";
    case 0xC000006E: return "STATUS_ACCOUNT_RESTRICTION";
    case 0xC000006F: return "STATUS_INVALID_LOGON_HOURS";
    case 0xC0000070: return "STATUS_INVALID_WORKSTATION";
    case 0xC0000071: return "STATUS_PASSWORD_EXPIRED";
    case 0xC0000072: return "STATUS_ACCOUNT_DISABLED";
    case 0xC000007E: return "STATUS_RANGE_NOT_LOCKED";
    case 0xC000007F: return "STATUS_DISK_FULL";
    case 0xC000009A: return "STATUS_INSUFFICIENT_RESOURCES";
    case 0xC00000A2: return "STATUS_MEDIA_WRITE_PROTECTED";
    case 0xC00000AC: return "STATUS_PIPE_NOT_AVAILABLE";
    case 0xC00000AD: return "STATUS_INVALID_PIPE_STATE";
    case 0xC00000AE: return "STATUS_PIPE_BUSY";
    case 0xC00000B0: return "STATUS_PIPE_DISCONNECTED";
    case 0xC00000B1: return "STATUS_PIPE_CLOSING";
    case 0xC00000B5: return "STATUS_IO_TIMEOUT";
    case 0xC00000BA: return "STATUS_FILE_IS_A_DIRECTORY";
    case 0xC00000BB: return "STATUS_NOT_SUPPORTED";
    case 0xC00000BE: return "STATUS_BAD_NETWORK_PATH";
    case 0xC00000C3: return "STATUS_INVALID_NETWORK_RESPONSE";
    case 0xC00000C9: return "STATUS_NETWORK_NAME_DELETED";
    case 0xC00000CA: return "STATUS_NETWORK_ACCESS_DENIED";
    case 0xC00000CC: return "STATUS_BAD_NETWORK_NAME";
    case 0xC00000D0: return "STATUS_REQUEST_NOT_ACCEPTED";
    case 0xC0000101: return "STATUS_DIRECTORY_NOT_EMPTY";
    case 0xC0000103: return "STATUS_NOT_A_DIRECTORY";
    case 0xC0000120: return "STATUS_CANCELLED";
    case 0xC0000128: return "STATUS_FILE_CLOSED";
    case 0xC000015B: return "STATUS_LOGON_TYPE_NOT_GRANTED";
    case 0xC0000184: return "STATUS_INVALID_DEVICE_STATE";
    case 0xC000018D: return "STATUS_TRUSTED_RELATIONSHIP_FAILURE";
    case 0xC0000193: return "STATUS_ACCOUNT_EXPIRED";
    case 0xC0000203: return "STATUS_USER_SESSION_DELETED";
    case 0xC0000224: return "STATUS_PASSWORD_MUST_CHANGE";
    case 0xC0000225: return "STATUS_NOT_FOUND";
    case 0xC0000234: return "STATUS_ACCOUNT_LOCKED_OUT";
    case 0xC0000257: return "STATUS_PATH_NOT_COVERED";
    case 0xC000035C: return "STATUS_NETWORK_SESSION_EXPIRED";
    case 0xC000A100: return "STATUS_HASH_NOT_SUPPORTED";
    case 0xC000A101: return "STATUS_HASH_NOT_PRESENT";
    default: return NULL;
    }
}

const char *smb_dialect_name(uint16_t dialect)
{
    switch (dialect) {
    case 0x0001: return "NT LM 0.12";
    case 0x0202: return "2.02";
    case 0x0210: return "2.10";
    case 0x0222: return "2.22";
    case 0x0224: return "2.24";
    case 0x02FF: return "2.??";
    case 0x0300: return "3.00";
    case 0x0302: return "3.02";
    case 0x0310: return "3.10";
    case 0x0311: return "3.11";
    default: return NULL;
    }
}

const char *smb_disposition_name(uint32_t disp)
{
    static const char *const names[] = {"FILE_SUPERSEDE", "FILE_OPEN", "FILE_CREATE",
                                        "FILE_OPEN_IF",   "FILE_OVERWRITE", "FILE_OVERWRITE_IF"};
    return disp < 6 ? names[disp] : NULL;
}
