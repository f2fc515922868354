#include "report.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MAX_LINE (1u << 20)   /* longer records are skipped (counted) */
#define REPORT_MAX_BYTES (64u << 20) /* embedded records, all together */

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'\">\n"
    "<title>pipewatch report</title>\n<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}h2{font-size:1.15em;"
    "margin-top:1.6em;border-bottom:1px solid #ccc}table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}"
    ".tl{position:relative;height:26px;background:#f7f7f7;border:1px solid #ddd;margin:.3em 0 1em}"
    ".tl span{position:absolute;top:3px;width:10px;height:18px;border-radius:3px}"
    ".inc{background:#c0392b}.al{background:#e6a23c}.mono{font-family:monospace}"
    "details{margin:.2em 0}summary{cursor:pointer}.muted{color:#777}\n"
    "</style></head><body>\n<h1>pipewatch report</h1>\n<p id=\"source\" class=\"muted\"></p>\n"
    "<div id=\"report\"><p>The report is drawn by a script in this page.</p></div>\n"
    "<script type=\"application/json\" id=\"eve\">[\n";

static const char page_tail[] =
    "]</script>\n<script>\n"
    "(function(){\n"
    "var recs=JSON.parse(document.getElementById('eve').textContent);\n"
    "var root=document.getElementById('report');root.textContent='';\n"
    "function el(t,a,kids){var e=document.createElement(t);if(a)for(var k in a){if(k==='text')e.textContent=a[k];"
    "else e.setAttribute(k,a[k]);}(kids||[]).forEach(function(c){if(c)e.appendChild(c);});return e;}\n"
    "function txt(v){return v===null||v===undefined||v===''?'\\u2014':String(v);}\n"
    "function table(head,rows,cls){var t=el('table',cls?{'class':cls}:null);"
    "t.appendChild(el('tr',null,head.map(function(h){return el('th',{text:h});})));"
    "rows.forEach(function(r){t.appendChild(el('tr',null,r.map(function(c){return c instanceof Node?el('td',null,[c]):"
    "el('td',{text:txt(c)});})));});return t;}\n"
    "var inc=recs.filter(function(r){return r.event_type==='incident';});\n"
    "var al=recs.filter(function(r){return r.event_type==='alert';});\n"
    "var stats=recs.filter(function(r){return r.event_type==='stats';});\n"
    "var meta=recs.filter(function(r){return r.event_type==='report';})[0]||{};\n"
    "document.getElementById('source').textContent='From '+txt(meta.source)+': '+inc.length+' incident(s), '+"
    "al.length+' alert(s)'+(meta.skipped?', '+meta.skipped+' record(s) too long to embed':'')+'.';\n"
    "function ts(r){return Date.parse(String(r.timestamp).replace(/([+-]\\d\\d)(\\d\\d)$/,'$1:$2'));}\n"
    "root.appendChild(el('h2',{text:'Who executed what where'}));\n"
    "root.appendChild(inc.length?table(['incident','tool','from','user','on','service','binary','task / command',"
    "'first seen','last seen'],inc.map(function(r){var i=r.incident;return [el('a',{href:'#incident-'+i.id,"
    "text:'#'+i.id}),i.tool,i.client.ip+(i.workstation?' ('+i.workstation+')':''),(i.domain?i.domain+'\\\\':'')+"
    "txt(i.user),i.server.ip,i.service_name,i.binary_path,i.task_command||(i.commands||[]).join('; '),"
    "i.first_seen,i.last_seen];}),'who'):el('p',{text:'No incident.','class':'muted'}));\n"
    "var hosts={};inc.forEach(function(r){(hosts[r.dest_ip]=hosts[r.dest_ip]||{inc:[],al:[]}).inc.push(r);});\n"
    "al.forEach(function(r){var h=r.dest_ip||'(no address)';(hosts[h]=hosts[h]||{inc:[],al:[]}).al.push(r);});\n"
    "root.appendChild(el('h2',{text:'Timeline per target host'}));\n"
    "Object.keys(hosts).sort().forEach(function(h){var H=hosts[h];var all=H.inc.concat(H.al);"
    "var t0=Math.min.apply(null,all.map(ts)),t1=Math.max.apply(null,all.map(ts));var span=Math.max(t1-t0,1);"
    "var sec=el('section',{'class':'host','data-host':h});sec.appendChild(el('h3',{text:h+': '+H.inc.length+"
    "' incident(s), '+H.al.length+' alert(s)'}));var tl=el('div',{'class':'tl'});"
    "all.sort(function(a,b){return ts(a)-ts(b);}).forEach(function(r){var isInc=r.event_type==='incident'||"
    "(r.incident&&r.event_type==='alert');var s=el('span',{'class':r.event_type==='incident'?'inc':'al',"
    "title:r.timestamp+' '+(r.event_type==='incident'?r.incident.tool:r.alert.signature)});"
    "s.style.left=(2+96*(ts(r)-t0)/span)+'%';tl.appendChild(s);});sec.appendChild(tl);"
    "sec.appendChild(table(['time','kind','what','from'],all.map(function(r){return [r.timestamp,r.event_type,"
    "r.event_type==='incident'?el('a',{href:'#incident-'+r.incident.id,text:r.incident.tool}):r.alert.signature,"
    "r.src_ip];})));root.appendChild(sec);});\n"
    "root.appendChild(el('h2',{text:'Incidents'}));\n"
    "inc.forEach(function(r){var i=r.incident;var d=el('details',{id:'incident-'+i.id,'class':'incident',"
    "'data-tool':i.tool});d.appendChild(el('summary',{text:'#'+i.id+' '+i.tool+': '+i.client.ip+' \\u2192 '+"
    "i.server.ip+' as '+txt(i.user)+', service '+txt(i.service_name)}));"
    "d.appendChild(el('h4',{text:'Evidence'}));d.appendChild(el('ul',null,(i.evidence||[]).map(function(e){"
    "return el('li',{text:e,'class':'evidence'});})));"
    "if((i.files||[]).length){d.appendChild(el('h4',{text:'Files written to admin shares'}));d.appendChild(table("
    "['share','name','size','SHA-256','partial'],i.files.map(function(f){return [f.share,f.name,f.size,"
    "el('span',{text:txt(f.sha256),'class':'mono'}),f.sha256_partial?'yes: '+f.bytes_hashed+' bytes "
    "hashed':'no'];})));}"
    "if((i.files_read||[]).length){d.appendChild(el('h4',{text:'Files read from admin shares'}));d.appendChild("
    "table(['share','name'],i.files_read.map(function(f){return [f.share,f.name];}),'files-read'));}"
    "if((i.services||[]).length){d.appendChild(el('h4',{text:'Services'}));d.appendChild(table(['name','binary',"
    "'operations'],i.services.map(function(s){return [s.name,s.binary_path,s.operations];})));}"
    "if((i.commands||[]).length){d.appendChild(el('h4',{text:'Commands in clear'}));d.appendChild(el('ul',null,"
    "i.commands.map(function(c){return el('li',{text:c,'class':'mono'});})));}"
    "d.appendChild(table(['pipes','shares','flows','events','alerts','not seen'],[[(i.pipes||[]).join(', '),"
    "(i.shares||[]).join(', '),(i.flows||[]).join(', '),JSON.stringify(i.events),(i.alerts||[]).map(function(a){"
    "return a.signature+' \\u00d7'+a.count;}).join('; '),(i.not_seen||[]).join('; ')]]));"
    "d.appendChild(el('h4',{text:'Record'}));d.appendChild(el('pre',{text:JSON.stringify(r,null,1),'class':'mono'}));"
    "root.appendChild(d);});\n"
    "var last=stats.length?stats[stats.length-1].stats:null;\n"
    "root.appendChild(el('h2',{text:'Shares'}));\n"
    "root.appendChild(last&&last.shares?table(['share','tree connects','clients'],last.shares.map(function(s){"
    "return [s.share,s.tree_connects,s.clients];}),'shares'):el('p',{text:'No stats record with a share table.',"
    "'class':'muted'}));\n"
    "root.appendChild(el('h2',{text:'Named pipes'}));\n"
    "root.appendChild(last&&last.named_pipes?table(['pipe','opens','clients'],last.named_pipes.map(function(s){"
    "return [s.name,s.opens,s.clients];}),'pipes'):el('p',{text:'No stats record with a pipe "
    "table.','class':'muted'}));\n"
    "document.body.setAttribute('data-rendered','yes');\n"
    "})();\n</script>\n</body></html>\n";

static bool want_record(const char *line)
{
    return line[0] == '{' && (strstr(line, "\"event_type\":\"incident\"") || strstr(line, "\"event_type\":\"alert\"") ||
                              strstr(line, "\"event_type\":\"stats\""));
}

/* A record as script data: "</script" or "<!--" in a value could end or
 * confuse the script element. Outside strings JSON has no '<', so every '<'
 * becomes the escape \u003c, which JSON.parse reads back as '<'. */
static bool put_record(FILE *out, const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((line[i] == '<' ? fputs("\\u003c", out) : fputc(line[i], out)) == EOF)
            return false;
    return true;
}

static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '<')
            fputs("\\u003c", out);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

int report_main(int argc, char **argv)
{
    const char *in_path = NULL, *out_path = NULL;
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
            out_path = argv[++i];
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: pipewatch report EVE.json -o report.html\n"
                   "Writes one self-contained HTML page of the incidents, alerts and end-of-run tables of an EVE "
                   "file.\n");
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "pipewatch: report: unknown option '%s' (usage: pipewatch report EVE.json -o FILE)\n",
                    argv[i]);
            return 2;
        } else if (!in_path)
            in_path = argv[i];
        else {
            fprintf(stderr, "pipewatch: report: one EVE file only ('%s' is extra)\n", argv[i]);
            return 2;
        }
    }
    if (!in_path || !out_path) {
        fprintf(stderr, "pipewatch: report: usage: pipewatch report EVE.json -o report.html\n");
        return 2;
    }
    FILE *in = strcmp(in_path, "-") ? fopen(in_path, "r") : stdin;
    if (!in) {
        fprintf(stderr, "pipewatch: report: cannot read %s: %s\n", in_path, strerror(errno));
        return 3;
    }
    FILE *out = fopen(out_path, "w");
    if (!out) {
        fprintf(stderr, "pipewatch: report: cannot write %s: %s\n", out_path, strerror(errno));
        if (in != stdin)
            fclose(in);
        return 1;
    }
    char *line = malloc(REPORT_MAX_LINE);
    if (!line) {
        fprintf(stderr, "pipewatch: report: out of memory\n");
        fclose(out);
        if (in != stdin)
            fclose(in);
        return 1;
    }
    bool ok = fputs(page_head, out) != EOF;
    uint64_t skipped = 0, bytes = 0, records = 0;
    bool long_line = false;
    while (ok && fgets(line, REPORT_MAX_LINE, in)) {
        size_t len = strlen(line);
        bool whole = len && line[len - 1] == '\n';
        if (!whole && !feof(in)) { /* longer than we embed: skip to its end */
            long_line = true;
            continue;
        }
        if (long_line) {
            long_line = false;
            skipped++;
            continue;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (!want_record(line))
            continue;
        if (bytes + len > REPORT_MAX_BYTES) {
            skipped++;
            continue;
        }
        bytes += len;
        records++;
        ok = put_record(out, line, len) && fputs(",\n", out) != EOF;
    }
    bool rerr = ferror(in);
    if (in != stdin)
        fclose(in);
    free(line);
    if (rerr) {
        fprintf(stderr, "pipewatch: report: error reading %s\n", in_path);
        fclose(out);
        return 3;
    }
    if (ok) {
        fputs("{\"event_type\":\"report\",\"source\":", out);
        json_str(out, in_path);
        fprintf(out, ",\"records\":%llu,\"skipped\":%llu}\n", (unsigned long long)records, (unsigned long long)skipped);
        ok = fputs(page_tail, out) != EOF;
    }
    if (fclose(out) != 0 || !ok) {
        fprintf(stderr, "pipewatch: report: cannot write %s: %s\n", out_path, strerror(errno));
        return 1;
    }
    return 0;
}
