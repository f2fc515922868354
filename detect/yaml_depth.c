#include "yaml_depth.h"

#include <stdint.h>

#define COLS_MAX 256

static bool blank_at(const char *s, size_t n, size_t i)
{
    return i >= n || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r';
}

static size_t to_eol(const char *s, size_t n, size_t i)
{
    while (i < n && s[i] != '\n')
        i++;
    return i;
}

bool yaml_depth_ok(const char *s, size_t n, unsigned max, unsigned *line_out)
{
    if (max >= COLS_MAX)
        max = COLS_MAX - 1;
    size_t cols[COLS_MAX]; /* block columns open, increasing */
    unsigned ncols = 0, flow = 0, line = 1;
    char quote = 0;
    bool line_start = true, value_start = true, flow_tok = false;
    size_t bol = 0;                                /* offset of the current line */
    int64_t scalar_parent = -1, scalar_body = -1; /* in a block scalar: its parent's column, its body's */
#define PUSH(col)                                                                                                 \
    do {                                                                                                          \
        if (!ncols || cols[ncols - 1] < (col)) {                                                                  \
            if (ncols + flow >= max)                                                                              \
                goto deep;                                                                                        \
            cols[ncols++] = (col);                                                                                \
        }                                                                                                         \
    } while (0)
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        if (quote) {
            if (c == '\n') {
                line++;
            } else if (quote == '\'' && c == '\'') {
                if (i + 1 < n && s[i + 1] == '\'')
                    i++;
                else
                    quote = 0;
            } else if (quote == '"' && c == '\\') {
                if (i + 1 < n && s[i + 1] != '\n')
                    i++;
            } else if (quote == '"' && c == '"') {
                quote = 0;
            }
            i++;
            continue;
        }
        if (line_start && flow == 0) {
            line_start = false;
            size_t col = 0;
            while (i + col < n && (s[i + col] == ' ' || s[i + col] == '\t'))
                col++;
            char f = i + col < n ? s[i + col] : '\n';
            if (f == '\n' || f == '\r' || f == '#') {
                i = to_eol(s, n, i);
                continue;
            }
            if (scalar_parent >= 0) {
                if ((int64_t)col > scalar_parent && (scalar_body < 0 || (int64_t)col >= scalar_body)) {
                    if (scalar_body < 0)
                        scalar_body = (int64_t)col;
                    i = to_eol(s, n, i);
                    continue;
                }
                scalar_parent = scalar_body = -1;
            }
            while (ncols && cols[ncols - 1] > col)
                ncols--;
            PUSH(col);
            i += col;
            value_start = true;
            continue;
        }
        line_start = false;
        if (c == '\n') {
            line++;
            line_start = true;
            bol = i + 1;
            i++;
            continue;
        }
        bool comment = c == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t');
        if (comment) {
            i = to_eol(s, n, i);
            continue;
        }
        if (flow > 0) {
            if (c == '[' || c == '{') {
                if (ncols + flow >= max)
                    goto deep;
                flow++;
                flow_tok = true;
            } else if (c == ']' || c == '}') {
                flow--;
                flow_tok = false;
                value_start = false;
            } else if (c == ',') {
                flow_tok = true;
            } else if (c == ':') {
                flow_tok = blank_at(s, n, i + 1);
            } else if ((c == '\'' || c == '"') && flow_tok) {
                quote = c;
                flow_tok = false;
            } else if (c != ' ' && c != '\t' && c != '\r') {
                flow_tok = false;
            }
            i++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            i++;
            continue;
        }
        size_t col = i - bol;
        if (value_start) {
            if ((c == '-' || c == '?' || c == ':') && blank_at(s, n, i + 1)) {
                PUSH(col); /* a block entry: one level more */
                i++;
                continue;
            }
            if (c == '[' || c == '{') {
                PUSH(col);
                if (ncols + flow >= max)
                    goto deep;
                flow = 1;
                flow_tok = true;
                i++;
                continue;
            }
            if (c == '|' || c == '>') {
                scalar_parent = ncols ? (int64_t)cols[ncols - 1] : 0;
                scalar_body = -1;
                i = to_eol(s, n, i);
                continue;
            }
            if (c == '&' || c == '!') {
                while (!blank_at(s, n, i))
                    i++;
                continue;
            }
            PUSH(col);
            value_start = false;
            if (c == '\'' || c == '"')
                quote = c;
            i++;
            continue;
        }
        if (c == ':' && blank_at(s, n, i + 1))
            value_start = true;
        i++;
    }
#undef PUSH
    return true;
deep:
    if (line_out)
        *line_out = line;
    return false;
}
