"""The pages' style (the report's, and the pages' own parts) and their one script, inline and
allowed by their hashes: the live strip fed by server-sent events, and the panels reloaded
every few seconds (and at once when a run ends) from their fragment."""

from __future__ import annotations

from ...report.assets import STYLE as REPORT_STYLE

STYLE = REPORT_STYLE + """
a{color:#0b57d0}.who{display:flex;flex-wrap:wrap;gap:6px 12px;align-items:center;justify-content:space-between}
.who form{display:flex;gap:8px;align-items:center;margin:0}.who button{margin:0}
nav.bar{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:6px 0}
nav.bar a{padding:3px 8px;border:1px solid #d0d4da;border-radius:4px;text-decoration:none;background:#fff}
nav.bar a[aria-current]{background:#0b57d0;color:#fff;border-color:#0b57d0}
form.custom{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:0}form.custom button{margin:0}
form.custom input{font:inherit;padding:2px;max-width:100%}
#live-runs{display:flex;flex-wrap:wrap;gap:12px}.run{flex:1 1 300px;min-width:0;background:#fff;border:1px solid #d9dde3;
border-left:4px solid #8c8c8c;border-radius:6px;padding:10px}.run.running{border-left-color:#0072b2}
.run.finished{border-left-color:#1a9850}.run.interrupted{border-left-color:#d73027}
.run h3{overflow-wrap:anywhere}.badge{font-size:11px;padding:1px 6px;border-radius:3px;background:#e3e6ea;
text-transform:uppercase}.run.running .badge{background:#0072b2;color:#fff}
.counts{display:flex;flex-wrap:wrap;gap:6px 16px;margin:6px 0}.fig b{display:block;font-size:18px}
.fig i{font-style:normal;color:#5a6270;font-size:12px}.run h4{margin:6px 0 0;font-size:12px}
.run ul{margin:2px 0;padding-left:18px;font-size:12px}.run li{overflow-wrap:anywhere}
.boards{display:flex;flex-wrap:wrap;gap:12px}.board{flex:1 1 260px;min-width:0;background:#fff;border:1px solid #d9dde3;
border-radius:6px;padding:10px}.board p{margin:4px 0;color:#5a6270;font-size:12px}
.signin{max-width:440px;margin:32px auto;background:#fff;border:1px solid #d9dde3;border-radius:6px;padding:16px}
.signin input{width:100%;padding:8px;font:inherit}.error{color:#d73027;overflow-wrap:anywhere}
"""

SCRIPT = """
(function(){
var live=document.getElementById('live'),runs=document.getElementById('live-runs'),
state=document.getElementById('live-state'),board=document.getElementById('board'),events=0,reloads=0,was={};
function el(tag,cls,words){var e=document.createElement(tag);if(cls)e.className=cls;
if(words!==undefined)e.textContent=words;return e}
function pct(v){return v===null||v===undefined?'-':(100*v).toFixed(1)+' %'}
function secs(v){return v<1?Math.round(v*1000)+' ms':v<120?v.toFixed(1)+' s':Math.round(v/60)+' min'}
function list(card,title,items,line){if(!items.length)return;card.appendChild(el('h4','',title));
var u=el('ul');items.forEach(function(i){u.appendChild(el('li','',line(i)))});card.appendChild(u)}
function card(r){var c=el('article','run '+r.status),h=el('h3');c.setAttribute('data-run',r.run_id);
c.setAttribute('data-status',r.status);h.appendChild(el('b','badge',r.status));
h.appendChild(document.createTextNode(' '+r.run_id+(r.vcs_branch?' on '+r.vcs_branch:'')));c.appendChild(h);
var p=el('p','counts');[[r.status==='running'?'tests so far':'tests',r.tests],
['pass rate'+(r.status==='running'?' so far':''),pct(r.pass_rate)],['failures',r.failed+r.error],
['elapsed',secs(r.elapsed)]].forEach(function(f){var s=el('span','fig');s.appendChild(el('b','',String(f[1])));
s.appendChild(el('i','',f[0]));p.appendChild(s)});c.appendChild(p);
list(c,'Failures so far',r.failures,function(f){return f.nodeid+(f.error_type?' \\u2014 '+f.error_type:'')});
list(c,'Slowest so far',r.slowest,function(t){return t.nodeid+' \\u2014 '+secs(t.duration)});return c}
function show(view){var ended=false,now={};view.runs.forEach(function(r){now[r.run_id]=r.status;
if(was[r.run_id]==='running'&&r.status!=='running')ended=true});was=now;
runs.replaceChildren.apply(runs,view.runs.map(card));
if(!view.runs.length)runs.appendChild(el('p','note','No run in progress, and none ended in the last 5 minutes.'));
state.textContent=view.running+' running; as of '+new Date(view.at*1000).toISOString().slice(11,19)+' UTC';
live.setAttribute('data-events',++events);if(ended)reload()}
function reload(){if(!board)return;fetch(board.getAttribute('data-panels'),{credentials:'same-origin'})
.then(function(a){if(a.status===401){location.reload();return null}return a.ok?a.text():null})
.then(function(t){if(typeof t==='string'){board.innerHTML=t;board.setAttribute('data-reloads',++reloads)}})
.catch(function(){})}
if(live&&window.EventSource){var source=new EventSource(live.getAttribute('data-stream'));
source.addEventListener('live',function(e){show(JSON.parse(e.data))});
source.addEventListener('error',function(){state.textContent='Reconnecting\\u2026'})}
if(board&&+board.getAttribute('data-refresh')>0)setInterval(reload,1000*board.getAttribute('data-refresh'));
document.body.setAttribute('data-ready','1')})();
"""
